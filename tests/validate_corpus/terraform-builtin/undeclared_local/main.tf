locals {
  name = "a"
}

resource "terraform_data" "a" {
  input = local.nme
}

output "o" {
  value = local.missing
}
