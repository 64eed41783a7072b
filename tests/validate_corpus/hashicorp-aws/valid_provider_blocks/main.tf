provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { managed_by = "atg" }
  }
}

provider "aws" {
  alias  = "us"
  region = "us-east-1"
}

resource "aws_instance" "eu" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}

resource "aws_instance" "us" {
  provider      = aws.us
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}
