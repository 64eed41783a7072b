resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  lifecycle {
    prevent_destroy = true
    ignore_change   = [tags]
  }
}

resource "aws_instance" "b" {
  ami   = var.missing
  bogus = 1
}
