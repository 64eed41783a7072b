resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  instance_size = "large"
  tagz          = { a = "b" }
}
