resource "terraform_data" "a" {
  input   = "x"
  inputs  = "y"
  trigger = 1
}
