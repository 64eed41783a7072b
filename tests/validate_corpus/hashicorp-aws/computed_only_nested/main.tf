resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  root_block_device {
    volume_size = 8
    volume_id   = "vol-0123456789abcdef0"
    device_name = "/dev/xvda"
  }
}
