resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  lifecycle {
    ignore_changes = [tags["Name"], root_block_device[0].volume_size, arn, nosuch]
  }
}

resource "aws_instance" "b" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  lifecycle {
    ignore_changes = [public_ip, ebs_block_device]
  }
}
