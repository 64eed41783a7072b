# Ranges and named checks (issue 15). The status code pattern and the
# security group prefix rule are validation functions atg cannot run
# offline (see differences.json).
locals {
  lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
}

resource "aws_lb_listener" "port_zero" {
  load_balancer_arn = local.lb
  port              = 0
  default_action {
    type  = "fixed-response"
    order = 0
    fixed_response {
      content_type = "text/plain"
      status_code  = "999"
    }
  }
}

resource "aws_lb_listener" "port_high" {
  load_balancer_arn = local.lb
  port              = 70000
  default_action {
    type  = "fixed-response"
    order = 50001
    fixed_response {
      content_type = "text/plain"
      status_code  = "200"
    }
  }
}

resource "aws_instance" "ip_and_hops" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  private_ip    = "10.0.0.256"
  metadata_options {
    http_put_response_hop_limit = 99
  }
}

resource "aws_instance" "not_an_ip" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  private_ip    = "a"
}

resource "aws_security_group" "prefix" {
  name_prefix = "sg-web"
}
