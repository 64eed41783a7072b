resource "aws_instance" "a" {
  ami           = data.aws_ami.missing.id
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.missing.id
}

resource "aws_security_group_rule" "r" {
  type              = "ingress"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  security_group_id = aws_security_group.missing.id
}
