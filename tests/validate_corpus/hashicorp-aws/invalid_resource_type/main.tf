resource "aws_instanc" "a" {
  ami = "x"
}

resource "aws_ami_ids" "b" {
  owners = ["amazon"]
}

data "aws_no_such_thing" "c" {}

resource "aws_instance" "ok_but_bogus" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  bogus         = 1
}
