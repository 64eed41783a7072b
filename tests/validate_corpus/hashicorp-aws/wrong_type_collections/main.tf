resource "aws_instance" "a" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  tags                   = ["a", "b"]
  vpc_security_group_ids = "sg-0123456789abcdef0"
  ipv6_addresses         = { first = "::1" }
  volume_tags            = "none"
}

resource "aws_security_group" "sg" {
  name    = "sg"
  ingress = "all"
}
