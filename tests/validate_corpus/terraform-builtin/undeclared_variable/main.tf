variable "region" {}

resource "terraform_data" "a" {
  input = "${var.regoin}-${var.zone}"
}
