resource "aws_s3_bucket" "old" {
  bucket = "atg-old-style"
  acl    = "private"
  versioning {
    enabled = true
  }
}

resource "aws_instance" "old" {
  ami            = "ami-0123456789abcdef0"
  instance_type  = "t3.micro"
  cpu_core_count = 2
}

resource "terraform_data" "cores" {
  input = aws_instance.old.cpu_core_count
}
