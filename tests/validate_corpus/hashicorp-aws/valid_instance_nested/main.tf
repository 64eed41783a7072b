variable "ami" {
  type    = string
  default = "ami-0123456789abcdef0"
}

resource "aws_instance" "web" {
  count         = 2
  ami           = var.ami
  instance_type = "t3.micro"
  monitoring    = true
  tags = {
    Name = "web-${count.index}"
  }

  root_block_device {
    volume_size           = 20
    volume_type           = "gp3"
    delete_on_termination = true
    tags                  = { disk = "root" }
  }

  ebs_block_device {
    device_name = "/dev/sdb"
    volume_size = 10
    encrypted   = true
  }

  ebs_block_device {
    device_name = "/dev/sdc"
    volume_size = "15"
  }

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  credit_specification {
    cpu_credits = "unlimited"
  }

  capacity_reservation_specification {
    capacity_reservation_target {
      capacity_reservation_id = "cr-0123456789abcdef0"
    }
  }

  lifecycle {
    ignore_changes = [tags]
  }
}

output "private_ips" {
  value = aws_instance.web[*].private_ip
}
