data "aws_ami" "a" {
  owners      = "amazon"
  most_recent = "yes"
  filter {
    values = ["x"]
  }
  colour = "red"
}

data "aws_vpc" "v" {
  id = data.aws_subnet.missing.vpc_id
}
