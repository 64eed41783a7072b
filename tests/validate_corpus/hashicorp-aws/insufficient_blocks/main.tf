resource "aws_lb_listener" "none" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
}

resource "aws_lb_listener" "empty_forward" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  default_action {
    type = "forward"
    forward {
    }
  }
}
