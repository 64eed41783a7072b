data "aws_ami" "x" {
  owners = ["self"]
}
