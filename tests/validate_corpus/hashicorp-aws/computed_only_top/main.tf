resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  arn           = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0"
  public_ip     = "203.0.113.10"
  private_dns   = null
}

resource "aws_security_group" "sg" {
  name     = "sg"
  owner_id = "123456789012"
}
