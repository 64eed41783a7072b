resource "aws_instance" "a" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}

resource "aws_eip" "ip" {
  instance = aws_instance.a.instance_identifier
}

resource "aws_eip" "nested" {
  instance = aws_instance.a.root_block_device[0].size
}

resource "aws_eip" "primitive" {
  instance = aws_instance.a.arn.value
}

resource "aws_eip" "list_block" {
  instance = aws_instance.a.root_block_device.volume_id
}

resource "aws_eip" "set_block" {
  instance = aws_instance.a.ebs_block_device[0].volume_id
}

output "missing" {
  value = aws_instance.a.nosuch
}
