resource "terraform_data" "counted" {
  count = 3
}

resource "terraform_data" "each" {
  for_each = toset(["a"])
}

resource "terraform_data" "single" {}

resource "terraform_data" "refs" {
  input = [terraform_data.counted.output, terraform_data.each.id, terraform_data.single["k"].id]
}
