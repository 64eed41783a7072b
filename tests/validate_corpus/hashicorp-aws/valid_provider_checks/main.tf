# Every value here is one the provider accepts (issue 15).
locals {
  lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
}

resource "aws_lb_listener" "ok" {
  load_balancer_arn = local.lb
  protocol          = "https"
  port              = 65535
  default_action {
    type  = "Redirect"
    order = 50000
    redirect {
      protocol    = "#{protocol}"
      status_code = "HTTP_302"
    }
  }
}

resource "aws_instance" "ok" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  tenancy       = "dedicated"
  private_ip    = "10.0.0.255"
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 64
  }
  credit_specification {
    cpu_credits = "unlimited"
  }
  root_block_device {
    volume_type = "gp3"
  }
}

resource "aws_instance" "from_template" {
  ami = "ami-0123456789abcdef0"
  launch_template {
    name = "web"
  }
}

resource "aws_s3_bucket" "prefix_only" {
  bucket_prefix = "atg-"
}

resource "aws_security_group" "prefix_only" {
  name_prefix = "web-"
}
