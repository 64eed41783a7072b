resource "terraform_data" "a" {
  input = module.network.vnet_id
}
