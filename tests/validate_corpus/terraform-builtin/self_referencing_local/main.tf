locals {
  a = "${local.a}-x"
  b = local.a
}

resource "terraform_data" "t" {
  input = local.b
  bogus = 1
}
