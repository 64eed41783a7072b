variable "items" {
  type = map(object({ size = number }))
  default = {
    small = { size = 1 }
    large = { size = 8 }
  }
}

locals {
  sizes  = [for k, v in var.items : v.size if v.size > 0]
  total  = sum(local.sizes)
  label  = local.total > 4 ? "big" : "small"
  banner = <<-EOT
    %{for k, v in var.items}${k}=${v.size} %{endfor}
  EOT
}

resource "terraform_data" "summary" {
  input = {
    label  = local.label
    banner = trimspace(local.banner)
    keys   = keys(var.items)
  }
}
