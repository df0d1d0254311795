// Manage Baseten Frontier Gateway endpoints (routing slugs and their upstream targets), the secrets they use, groups (who may call which slugs, with what limits) and their API keys as code.
package basetengateway
