resource "aws_instance" "a" {
  ami                = "ami-0123456789abcdef0"
  instance_type      = ["t3.micro"]
  monitoring         = "sometimes"
  ipv6_address_count = "two"
  ebs_optimized      = 1
}

resource "aws_lb_listener" "l" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  port              = "eighty"
  default_action {
    type  = "forward"
    order = true
  }
}
