# One customer on the gateway, from OpenTofu (or Terraform): an OpenAI credential as a secret, an endpoint
# routing to OpenAI with it, a group allowed to call that endpoint with limits, and an API key in the group.
# The same program as examples/yaml-gateway. Run it (docs/guides/opentofu.md):
#
#   export BASETEN_API_KEY=<workspace key with management scope>
#   export TF_VAR_openai_key=<the OpenAI API key the gateway calls OpenAI with>
#   export TF_VAR_state_passphrase=<at least 16 characters: encrypts the state and plans>
#   tofu init && tofu apply
#
# Hand the key to the customer with `tofu output -raw customer_api_key`.

terraform {
  required_providers {
    basetengateway = {
      source  = "baseten/basetengateway"
      version = "~> 0.1"
    }
  }

  # The state holds the secret's value and the customer's key: OpenTofu encrypts it (and saved plans) with
  # a key derived from the passphrase, so neither is ever written in plain text.
  encryption {
    key_provider "pbkdf2" "state" {
      passphrase = var.state_passphrase
    }
    method "aes_gcm" "state" {
      keys = key_provider.pbkdf2.state
    }
    state {
      method   = method.aes_gcm.state
      enforced = true
    }
    plan {
      method   = method.aes_gcm.state
      enforced = true
    }
  }
}

# Settings come from the block, else the environment: BASETEN_API_KEY, BASETEN_API_URL, ...
provider "basetengateway" {}

resource "basetengateway_secret" "openai" {
  name  = "${var.prefix}-openai"
  value = var.openai_key
}

resource "basetengateway_endpoint" "gpt" {
  slug = "${var.prefix}/gpt-4o"
  targets = [{
    provider     = "OPENAI"
    secret_id    = basetengateway_secret.openai.id
    target_model = var.openai_model
  }]
}

resource "basetengateway_group" "customer" {
  external_entity_id = var.customer
  name               = "${var.customer} production"
  models = [{
    slug        = basetengateway_endpoint.gpt.slug
    rate_limits = [{ type = "TOKEN", unit = "MINUTE", threshold = 100000 }]
    usage_limits = [{ type = "TOKEN", unit = "DAY", threshold = 10000000 }]
  }]
}

resource "basetengateway_api_key" "customer" {
  group_id = basetengateway_group.customer.id
  name     = "prod-1"
}
