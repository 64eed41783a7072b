resource "aws_s3_bucket_lifecycle_configuration" "l" {
  bucket = "atg-example"
  id     = "lc"
  rule {
    id     = "r"
    status = "Enabled"
    filter {}
    expiration {
      days = 30
    }
  }
}
