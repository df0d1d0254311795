output "secret_id" {
  value = basetengateway_secret.openai.secret_id
}

output "endpoint_id" {
  value = basetengateway_endpoint.gpt.endpoint_id
}

output "group_id" {
  value = basetengateway_group.customer.group_id
}

output "customer_api_key_prefix" {
  value = basetengateway_api_key.customer.prefix
}

output "customer_api_key" {
  value     = basetengateway_api_key.customer.api_key
  sensitive = true
}
