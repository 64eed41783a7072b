resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  disk {
    size = 10
  }
  root_block_device {
    encryption {
      enabled = true
    }
  }
  monitoring {
    enabled = true
  }
}
