resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  root_block_device {
    volume_size = 8
  }
  root_block_device {
    volume_size = 9
  }
  metadata_options {
    http_tokens = "required"
  }
  metadata_options {
    http_tokens = "optional"
  }
}

resource "aws_lb_listener" "l" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  default_action {
    type = "forward"
    forward {
      target_group { arn = "arn:1" }
      target_group { arn = "arn:2" }
      target_group { arn = "arn:3" }
      target_group { arn = "arn:4" }
      target_group { arn = "arn:5" }
      target_group { arn = "arn:6" }
      target_group { arn = "arn:7" }
    }
  }
}
