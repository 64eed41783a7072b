# Cross-argument rules (issue 15): ConflictsWith, ExactlyOneOf and
# AtLeastOneOf, each reported from every argument that carries it.
resource "aws_instance" "no_type" {
  ami = "ami-0123456789abcdef0"
}

resource "aws_instance" "template_without_id_or_name" {
  ami = "ami-0123456789abcdef0"
  launch_template {
    version = "1"
  }
}

resource "aws_instance" "template_with_id_and_name" {
  ami = "ami-0123456789abcdef0"
  launch_template {
    id   = "lt-0123456789abcdef0"
    name = "web"
  }
}

resource "aws_instance" "ipv6_both_ways" {
  ami                = "ami-0123456789abcdef0"
  instance_type      = "t3.micro"
  ipv6_address_count = 1
  ipv6_addresses     = ["2001:db8::1"]
}

resource "aws_s3_bucket" "bucket_and_prefix" {
  bucket        = "atg-a"
  bucket_prefix = "atg-"
}

resource "aws_security_group" "name_and_prefix" {
  name        = "web"
  name_prefix = "web-"
}
