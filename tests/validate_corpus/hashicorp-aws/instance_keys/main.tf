resource "aws_instance" "counted" {
  count         = 2
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}

resource "aws_instance" "single" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}

resource "aws_eip" "a" {
  instance = aws_instance.counted.id
}

resource "aws_eip" "b" {
  instance = aws_instance.single[0].id
}

resource "aws_eip" "c" {
  instance = aws_instance.counted[count.index].nosuch_is_not_checked
  count    = 2
}
