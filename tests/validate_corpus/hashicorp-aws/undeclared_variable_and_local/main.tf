variable "instance_type" {
  type = string
}

locals {
  ami = "ami-0123456789abcdef0"
}

resource "aws_instance" "a" {
  ami           = local.image
  instance_type = var.instance_typ
  key_name      = var.key_name
}
