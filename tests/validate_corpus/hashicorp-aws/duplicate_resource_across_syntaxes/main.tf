resource "aws_security_group" "sg" {
  name = "sg"
}
