provider "aws" {
  region  = ["eu-west-1"]
  profile = "default"
  colour  = "blue"
}

provider "aws" {
  alias = "empty"
}

resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  bogus         = 1
}

resource "aws_instance" "b" {
  provider      = aws.empty
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  bogus         = 1
}
