resource "aws_instance" "a" {
  ami           = var.missing
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.missing.id
  bogus         = 1
}

resource "aws_instance" "b" {
  ami           = var.missing
  instance_type = "t3.micro"
  bogus         = 1
}
