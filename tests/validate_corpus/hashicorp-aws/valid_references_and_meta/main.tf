variable "names" {
  type    = set(string)
  default = ["a", "b"]
}

locals {
  common_tags = { owner = "atg" }
  by_name     = { for n in var.names : n => upper(n) }
}

data "aws_ami" "linux" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["al2023-ami-*"]
  }
}

resource "aws_instance" "each" {
  for_each      = var.names
  ami           = data.aws_ami.linux.id
  instance_type = "t3.micro"
  tags          = merge(local.common_tags, { Name = local.by_name[each.key] })
}

resource "aws_instance" "after" {
  ami           = data.aws_ami.linux.id
  instance_type = "t3.micro"
  subnet_id     = aws_instance.each["a"].subnet_id
  depends_on    = [aws_instance.each]
}

output "arns" {
  value = [for i in aws_instance.each : i.arn]
}
