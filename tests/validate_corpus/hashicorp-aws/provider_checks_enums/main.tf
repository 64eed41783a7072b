# Allowed values (issue 15): top-level and nested, case-sensitive or not,
# named by the SDK's flatmap key or (ToDiagFunc) by the argument's name.
locals {
  lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/1"
}

resource "aws_lb_listener" "smtp" {
  load_balancer_arn = local.lb
  protocol          = "SMTP"
  default_action {
    type             = "forward"
    target_group_arn = local.tg
  }
}

# `protocol` and `default_action.type` ignore case: valid.
resource "aws_lb_listener" "lowercase" {
  load_balancer_arn = local.lb
  protocol          = "http"
  default_action {
    type             = "FORWARD"
    target_group_arn = local.tg
  }
}

resource "aws_lb_listener" "redirect" {
  load_balancer_arn = local.lb
  default_action {
    type = "redirect"
    redirect {
      protocol    = "ftp"
      status_code = "http_301"
    }
  }
}

resource "aws_instance" "cases" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  tenancy       = "DEFAULT"
  metadata_options {
    http_tokens = "OPTIONAL"
  }
  credit_specification {
    cpu_credits = "STANDARD"
  }
  root_block_device {
    volume_type = "GP3"
  }
}
