resource "aws_instance" "a" {
  ami                   = "ami-0123456789abcdef0"
  instance_type         = "t3.micro"
  volume_tags           = { team = ["a", "b"] }
  secondary_private_ips = [["10.0.0.5"]]
  root_block_device {
    tags = { disk = { kind = "root" } }
  }
}

resource "aws_security_group" "sg" {
  name = "sg"
  ingress {
    from_port   = "http"
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = "0.0.0.0/0"
  }
}

resource "aws_security_group" "sg2" {
  name = "sg2"
  egress = [
    {
      from_port = 0
      to_port   = 0
      protocol  = "-1"
    }
  ]
}
