resource "terraform_data" "a" {
  input = "x"
  settings {
    size = 1
  }
  timeouts {
    create = "1m"
  }
}
