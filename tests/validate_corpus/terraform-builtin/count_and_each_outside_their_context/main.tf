resource "terraform_data" "each" {
  input = each.key
}

resource "terraform_data" "count" {
  input = count.index
}

resource "terraform_data" "fine" {
  count = 2
  input = count.index
}

locals {
  l = each.value
}
