data "terraform_remote_state" "network" {
  backend = "local"
  config = {
    path = "network.tfstate"
  }
}

resource "terraform_data" "uses" {
  input = data.terraform_remote_state.network.outputs
}
