variable "v" {
  type     = string
  required = true
}

output "o" {
  description = "no value"
}
