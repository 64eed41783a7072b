resource "terraform_data" "a" {
  input = "x"
  provisioner "local-exec" {
    command = "echo ${self.output} ${var.missing}"
  }
  provisioner "local-exec" {
    command = local.missing
  }
}

resource "terraform_data" "b" {
  provisioner "local-exec" {
    command     = "echo ${terraform_data.a.output}"
    working_dir = path.module
  }
}
