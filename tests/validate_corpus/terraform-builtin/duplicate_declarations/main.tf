variable "v" {}
variable "v" {}

locals {
  l = 1
}

locals {
  l = 2
}

output "o" {
  value = 1
}

output "o" {
  value = 2
}

resource "terraform_data" "a" {
  input = var.nope
}
