resource "terraform_data" "a" {
  input = "x"
}

resource "terraform_data" "b" {
  input = terraform_data.a.result
}

output "o" {
  value = terraform_data.a.outputs
}
