resource "aws_security_group" "sg" {
  name    = "sg"
  ingress = []
  ingress {
    from_port = 80
    to_port   = "eighty"
    protocol  = "tcp"
  }
}

resource "aws_security_group" "sg2" {
  name = "sg2"
  dynamic "egress" {
    for_each = [443]
    content {
      from_port = egress.value
      to_port   = egress.value
      protocol  = "tcp"
      colour    = "red"
    }
  }
}
