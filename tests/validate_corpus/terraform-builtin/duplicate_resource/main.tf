resource "terraform_data" "a" {
  input = "one"
}

resource "terraform_data" "a" {
  input = var.missing
}
