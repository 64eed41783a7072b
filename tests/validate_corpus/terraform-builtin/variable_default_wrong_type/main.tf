variable "size" {
  type    = number
  default = "large"
}

variable "tags" {
  type    = map(string)
  default = { a = ["x"] }
}

variable "settings" {
  type = object({
    name    = string
    enabled = optional(bool)
  })
  default = { enabled = true }
}

variable "ok" {
  type    = list(number)
  default = ["1", 2]
}

resource "terraform_data" "a" {
  input = var.nope
}
