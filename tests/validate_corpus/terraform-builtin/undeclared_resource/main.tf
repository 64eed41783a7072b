resource "terraform_data" "a" {
  input = [terraform_data.b.output, data.terraform_remote_state.x.outputs]
}

locals {
  x = terraform_data.c.id
}
