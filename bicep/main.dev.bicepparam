using 'main.bicep'

// dev: the cheapest shape that still runs every path; scales to zero where the service can.
// Tenant-specific values come from the environment (docs/deploy.md lists them).
param environmentName = 'dev'
param salesScalingEnabled = false
param alertEmail = readEnvironmentVariable('SHOP_ALERT_EMAIL')
// The relational engine (docs/deploy.md, "Choosing the relational engine"): Azure SQL unless
// the operator exports SHOP_RELATIONAL_ENGINE=postgresql. The admin group administers either.
param relationalEngine = readEnvironmentVariable('SHOP_RELATIONAL_ENGINE', 'azuresql')
param sqlAdminGroupName = readEnvironmentVariable('SHOP_SQL_ADMIN_GROUP_NAME')
param sqlAdminGroupObjectId = readEnvironmentVariable('SHOP_SQL_ADMIN_GROUP_ID')
// Serverless General Purpose: pauses after an idle hour. No readable replica in this tier,
// so read-only connections land on the primary (same code path).
param sqlSkuName = 'GP_S_Gen5_1'
param sqlReadScaleOut = false
param sqlAutoPauseDelay = 60
// PostgreSQL, when chosen: the smallest Burstable server; no HA and no replica on Burstable,
// so order history reads the primary (same code path, as SQL here).
param postgresSkuName = 'Standard_B1ms'
param postgresSkuTier = 'Burstable'
param postgresHighAvailability = 'Disabled'
param postgresReadReplica = false
param redisSku = {
  name: 'Basic'
  family: 'C'
  capacity: 0
}
param searchSku = 'free'
param webPubSubSku = 'Free_F1'
// Standard has no managed WAF rule sets; the rate-limit rule still applies in Prevention mode.
param frontDoorSku = 'Standard_AzureFrontDoor'
param keyVaultPurgeProtection = false
// Sign-in (docs/deploy.md, "Sign-in"): v2.0 tokens' issuer and keys, the API app
// registration's client id (the tokens' `aud`), and what the SPA needs to ask for a token:
// its own client id, the authority, and the API scope api://<api client id>/<scope>
// (https://learn.microsoft.com/entra/identity-platform/scenario-protected-web-api-expose-scopes).
param authIssuer = readEnvironmentVariable('SHOP_AUTH_ISSUER')
param authJwksUrl = readEnvironmentVariable('SHOP_AUTH_JWKS_URL')
param authApiClientId = readEnvironmentVariable('SHOP_AUTH_API_CLIENT_ID')
param authSpaClientId = readEnvironmentVariable('SHOP_AUTH_SPA_CLIENT_ID')
param authAuthority = readEnvironmentVariable('SHOP_AUTH_AUTHORITY')
param authSpaScopes = 'api://${readEnvironmentVariable('SHOP_AUTH_API_CLIENT_ID')}/access_as_user'
param stripePublishableKey = readEnvironmentVariable('SHOP_STRIPE_PUBLISHABLE_KEY')
param paypalClientId = readEnvironmentVariable('SHOP_PAYPAL_CLIENT_ID')
// The id PayPal shows for the webhook subscribed to <PUBLIC_URL>/api/webhooks/paypal.
param paypalWebhookId = readEnvironmentVariable('SHOP_PAYPAL_WEBHOOK_ID')
// Only while the operator works against SQL from their machine (docs/deploy.md, step 4).
param operatorIpAddress = readEnvironmentVariable('SHOP_OPERATOR_IP', '')
param paypalApiBase = 'https://api-m.sandbox.paypal.com'
param logLevel = 'debug'
