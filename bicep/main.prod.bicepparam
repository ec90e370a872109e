using 'main.bicep'

// prod: read replica, replicated cache, managed WAF rules, calendar-driven scaling.
param environmentName = 'prod'
param salesScalingEnabled = true
param alertEmail = readEnvironmentVariable('SHOP_ALERT_EMAIL')
param sqlAdminGroupName = readEnvironmentVariable('SHOP_SQL_ADMIN_GROUP_NAME')
param sqlAdminGroupObjectId = readEnvironmentVariable('SHOP_SQL_ADMIN_GROUP_ID')
// Hyperscale with one HA replica: read scale-out routes ApplicationIntent=ReadOnly
// connections (order history) to that replica.
param sqlSkuName = 'HS_Gen5_2'
param sqlReadScaleOut = true
param sqlHighAvailabilityReplicaCount = 1
param redisSku = {
  name: 'Standard'
  family: 'C'
  capacity: 1
}
param searchSku = 'basic'
param webPubSubSku = 'Standard_S1'
param frontDoorSku = 'Premium_AzureFrontDoor'
param wafRateLimitPerMinute = 600
param keyVaultPurgeProtection = true
param authIssuer = readEnvironmentVariable('SHOP_AUTH_ISSUER')
param authJwksUrl = readEnvironmentVariable('SHOP_AUTH_JWKS_URL')
param stripePublishableKey = readEnvironmentVariable('SHOP_STRIPE_PUBLISHABLE_KEY')
param paypalClientId = readEnvironmentVariable('SHOP_PAYPAL_CLIENT_ID')
param paypalApiBase = 'https://api-m.paypal.com'
param logLevel = 'info'
