resource "aws_s3_bucket" "b" {
  bucket         = "atg-example"
  acl            = "private"
  website_domain = "example.com"
  logging {
    target_bucket = "atg-logs"
  }
}
