variable "env" {
  type    = string
  default = "dev"
}

locals {
  names = ["a", "b", "c"]
  tags  = { env = var.env }
}

resource "terraform_data" "one" {
  input            = { name = "one", tags = local.tags }
  triggers_replace = [var.env]
}

resource "terraform_data" "many" {
  count = length(local.names)
  input = "${local.names[count.index]}-${terraform_data.one.id}"
}

resource "terraform_data" "each" {
  for_each = toset(local.names)
  input    = each.value
}

output "outputs" {
  value = terraform_data.many[*].output
}

output "first" {
  value = terraform_data.each["a"].output
}
