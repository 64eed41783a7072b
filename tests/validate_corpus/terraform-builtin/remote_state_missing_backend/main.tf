data "terraform_remote_state" "s" {
  config = {}
  colour = "red"
}

data "terraform_remote_state" "t" {
}
