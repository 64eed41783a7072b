resource "terraform_data" "hcl" {
  input = terraform_data.json.output
}
