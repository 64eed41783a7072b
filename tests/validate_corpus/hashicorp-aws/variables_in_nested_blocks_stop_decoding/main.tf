resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  monitoring    = "maybe"
  credit_specification {
    cpu_credits = var.credits
  }
}

resource "aws_lb_listener" "l" {
  load_balancer_arn = local.lb_arn
  default_action {
    type = "forward"
    forward {
      target_group {
        arn = var.tg_arn
      }
    }
  }
}
