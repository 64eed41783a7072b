resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ebs_block_device {
    volume_size = 8
  }
  network_interface {
    device_index = 0
  }
}

resource "aws_lb_listener" "l" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  default_action {
    forward {
      stickiness {
        enabled = true
      }
      target_group {
        weight = 1
      }
    }
  }
}
