resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  bogus         = aws_subnet.ignored.id
}

resource "aws_instance" "b" {
  ami           = aws_instance.a.ami
  instance_type = "t3.micro"
  bogus2        = 1
}

locals {
  a_arn = aws_instance.a.arn
}

resource "terraform_data" "c" {
  input = local.a_arn
  nope  = 1
}

resource "terraform_data" "d" {
  input = aws_instance.b.id
  nope  = 1
}

output "o" {
  value = aws_instance.a.nosuch
}

resource "aws_instance" "independent" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  bogus3        = 1
}
