resource "aws_instance" "a" {
  count         = var.instances
  ami           = var.ami
  instance_type = "t3.micro"
  bogus         = 1
}

resource "aws_instance" "b" {
  depends_on    = [aws_instance.missing]
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  bogus         = 1
}
