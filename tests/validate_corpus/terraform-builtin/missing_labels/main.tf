resource "terraform_data" {
  input = "x"
}

variable {
}

output "a" "b" {
  value = 1
}
