locals {
  broken = var.missing
  fine   = "ok"
}

resource "terraform_data" "a" {
  input = local.broken
  bogus = 1
}

resource "terraform_data" "b" {
  input = local.fine
  bogus = 1
}

output "o" {
  value = terraform_data.a.output
}
