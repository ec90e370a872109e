using 'main.bicep'

// dev: the cheapest shape that still runs every path; scales to zero where the service can.
// Tenant-specific values come from the environment (docs/deploy.md lists them).
param environmentName = 'dev'
param salesScalingEnabled = false
param alertEmail = readEnvironmentVariable('SHOP_ALERT_EMAIL')
param sqlAdminGroupName = readEnvironmentVariable('SHOP_SQL_ADMIN_GROUP_NAME')
param sqlAdminGroupObjectId = readEnvironmentVariable('SHOP_SQL_ADMIN_GROUP_ID')
// Serverless General Purpose: pauses after an idle hour. No readable replica in this tier,
// so read-only connections land on the primary (same code path).
param sqlSkuName = 'GP_S_Gen5_1'
param sqlReadScaleOut = false
param sqlAutoPauseDelay = 60
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
param authIssuer = readEnvironmentVariable('SHOP_AUTH_ISSUER')
param authJwksUrl = readEnvironmentVariable('SHOP_AUTH_JWKS_URL')
param stripePublishableKey = readEnvironmentVariable('SHOP_STRIPE_PUBLISHABLE_KEY')
param paypalClientId = readEnvironmentVariable('SHOP_PAYPAL_CLIENT_ID')
param paypalApiBase = 'https://api-m.sandbox.paypal.com'
param logLevel = 'debug'
