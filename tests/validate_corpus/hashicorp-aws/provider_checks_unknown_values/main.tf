# Values unknown while Terraform validates are not checked (issue 15):
# input variables (defaults or not), references, and whole blocks holding
# an unknown value (the SDK's isWhollyKnown). A local value with a literal
# is known: `local_enum` is reported.
variable "protocol" {
  default = "SMTP"
}
variable "name" {
  type = string
}
variable "size" {
  default = 8
}
locals {
  protocol = "SMTP"
  lb       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  tg       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/1"
}

resource "aws_lb_listener" "variable_enum" {
  load_balancer_arn = local.lb
  protocol          = var.protocol
  default_action {
    type             = "forward"
    target_group_arn = local.tg
  }
}

resource "aws_lb_listener" "local_enum" {
  load_balancer_arn = local.lb
  protocol          = local.protocol
  default_action {
    type             = "forward"
    target_group_arn = local.tg
  }
}

resource "aws_instance" "block_with_unknown" {
  ami           = "ami-0123456789abcdef0"
  instance_type = var.name
  root_block_device {
    volume_type = "bogus"
    volume_size = var.size
  }
  launch_template {
    id = var.name
  }
}

resource "aws_instance" "conflict_with_unknown" {
  ami                = "ami-0123456789abcdef0"
  instance_type      = "t3.micro"
  ipv6_address_count = var.size
  ipv6_addresses     = ["2001:db8::1"]
}

resource "aws_security_group" "unknown_name" {
  name        = var.name
  name_prefix = "web-"
}

resource "aws_security_group" "unknown_prefix" {
  name        = "web"
  name_prefix = aws_instance.conflict_with_unknown.id
}
