using 'main.bicep'

// prod: read replica, replicated cache, managed WAF rules, calendar-driven scaling.
param environmentName = 'prod'
param salesScalingEnabled = true
param alertEmail = readEnvironmentVariable('SHOP_ALERT_EMAIL')
// The relational engine (docs/deploy.md, "Choosing the relational engine"): Azure SQL unless
// the operator exports SHOP_RELATIONAL_ENGINE=postgresql. The admin group administers either.
param relationalEngine = readEnvironmentVariable('SHOP_RELATIONAL_ENGINE', 'azuresql')
param sqlAdminGroupName = readEnvironmentVariable('SHOP_SQL_ADMIN_GROUP_NAME')
param sqlAdminGroupObjectId = readEnvironmentVariable('SHOP_SQL_ADMIN_GROUP_ID')
// Hyperscale with one HA replica: read scale-out routes ApplicationIntent=ReadOnly
// connections (order history) to that replica.
param sqlSkuName = 'HS_Gen5_2'
param sqlReadScaleOut = true
param sqlHighAvailabilityReplicaCount = 1
// PostgreSQL, when chosen: General Purpose 2 vCores like Hyperscale's 2; a zone-redundant HA
// standby like SQL's zone-redundant HA replica (same price as a same-zone standby), and a read
// replica for order history like SQL's read scale-out.
param postgresSkuName = 'Standard_D2ds_v5'
param postgresSkuTier = 'GeneralPurpose'
param postgresHighAvailability = 'ZoneRedundant'
param postgresReadReplica = true
param redisSku = {
  name: 'Standard'
  family: 'C'
  capacity: 1
}
param searchSku = 'basic'
// Two replicas: spread over zones, and the read SLA (one replica has none).
param searchReplicaCount = 2
param webPubSubSku = 'Standard_S1'
param frontDoorSku = 'Premium_AzureFrontDoor'
param wafRateLimitPerMinute = 600
param keyVaultPurgeProtection = true
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
param paypalApiBase = 'https://api-m.paypal.com'
param logLevel = 'info'
// Zones and the standby region (docs/deploy.md, "Zones and the standby region"): zone
// redundancy wherever the chosen tiers offer it; a standby region when the operator names one
// (SHOP_SECONDARY_LOCATION, e.g. the primary's paired region, where RA-GZRS copies the SPA);
// the shop's own domain when SHOP_DNS_ZONE names its Azure DNS zone.
param zoneRedundant = true
param storageSkuName = 'Standard_RAGZRS'
param secondaryLocation = readEnvironmentVariable('SHOP_SECONDARY_LOCATION', '')
param dnsZoneName = readEnvironmentVariable('SHOP_DNS_ZONE', '')
