resource "aws_lb_listener" "l" {
  port = 80
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
    }
  }
}

resource "aws_s3_bucket_versioning" "v" {
  versioning_configuration {
    status = "Enabled"
  }
}
