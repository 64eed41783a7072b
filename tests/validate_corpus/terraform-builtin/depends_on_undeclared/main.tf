resource "terraform_data" "a" {
  depends_on = [terraform_data.missing]
  input      = "x"
  bogus      = 1
}
