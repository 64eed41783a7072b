resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}

resource "aws_instance" "a" {
  ami           = var.missing
  instance_type = "t3.micro"
  bogus         = 1
}
