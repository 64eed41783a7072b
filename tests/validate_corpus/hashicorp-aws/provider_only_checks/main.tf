# Each resource breaks a rule the provider enforces in code, not in its
# schema: the builtin validator sees them through the provider's
# validation data (`../aws-5.100.0.validation.json`).
resource "aws_instance" "no_type" {
  ami = "ami-0123456789abcdef0"
}

resource "aws_security_group" "both_names" {
  name        = "sg"
  name_prefix = "sg-"
}

resource "aws_lb_listener" "bad_enum" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  protocol          = "SMTP"
  default_action {
    type = "teleport"
  }
}
