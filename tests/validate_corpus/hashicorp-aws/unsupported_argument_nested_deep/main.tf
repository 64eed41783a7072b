resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  default_action {
    type  = "forward"
    color = "blue"
    forward {
      target_group {
        arn    = aws_lb_target_group.blue.arn
        weight = 1
        bogus  = true
      }
      stickiness {
        duration = 60
        sticky   = true
      }
    }
  }
}
