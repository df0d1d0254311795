variable "prefix" {
  description = "Your organization's slug prefix (the local emulator's is `demo`)."
  type        = string
  default     = "demo"
}

variable "customer" {
  description = "The customer's id in your systems: the group's external_entity_id."
  type        = string
  default     = "cust_42"
}

variable "openai_model" {
  description = "The OpenAI model the endpoint sends requests to (changed in place)."
  type        = string
  default     = "gpt-4o"
}

variable "openai_key" {
  description = "The OpenAI API key the gateway calls OpenAI with."
  type        = string
  sensitive   = true
}

variable "state_passphrase" {
  description = "Encrypts the state and saved plans (at least 16 characters)."
  type        = string
  sensitive   = true
}
