// The whole storefront in one resource group: `az deployment group create -g <rg>
// -f bicep/main.bicep -p bicep/main.<env>.bicepparam` (docs/deploy.md).
//
// Hosting: Flex Consumption (see modules/function-app.bicep for why). Sale-time scaling:
// marketing's calendar (sales-calendar.json) is read here with loadJsonContent to size the
// instance ceiling for the biggest booked sale, and is handed to the app as SALES_CALENDAR;
// the scale-scheduler timer then raises always-ready instances, Cosmos RU/s and SQL vCores
// before each window, each on its own lead time, and lowers them after it
// (shared/scaling/capacity-plan.ts).

targetScope = 'resourceGroup'

@allowed([
  'dev'
  'prod'
])
param environmentName string
param location string = resourceGroup().location
@maxLength(8)
param namePrefix string = 'shop'

@description('Apply the sales calendar (scale-scheduler targets this deployment). Off in dev: the scheduler only logs.')
param salesScalingEnabled bool
@description('Who gets paged.')
param alertEmail string

// ---- The relational store: Azure SQL (the default) or PostgreSQL, never both ----------------
// Same tables and migrations; the app picks its write path from the engine
// (shared/adapters/sql/dialect.ts). docs/deploy.md, "Choosing the relational engine".
@allowed([
  'azuresql'
  'postgresql'
])
@description('azuresql: Azure SQL Database (modules/sql.bicep). postgresql: Azure Database for PostgreSQL Flexible Server (modules/postgresql.bicep).')
param relationalEngine string = 'azuresql'

@description('Entra group administering the database server, Azure SQL or PostgreSQL (Entra-only auth).')
param sqlAdminGroupName string
param sqlAdminGroupObjectId string
param sqlSkuName string
param sqlReadScaleOut bool
param sqlHighAvailabilityReplicaCount int = 1
param sqlAutoPauseDelay int = -1
@description('The operator\'s public IPv4 address for a temporary database firewall rule (sqlcmd/psql, npm run migrate/seed); empty = no rule.')
param operatorIpAddress string = ''

@description('PostgreSQL compute: e.g. Standard_B1ms / Burstable (dev), Standard_D2ds_v5 / GeneralPurpose (prod).')
param postgresSkuName string = 'Standard_B1ms'
param postgresSkuTier string = 'Burstable'
param postgresStorageSizeGB int = 32
@allowed([
  'Disabled'
  'SameZone'
  'ZoneRedundant'
])
param postgresHighAvailability string = 'Disabled'
@description('A read replica for order history (PG_READ_HOST), the counterpart of sqlReadScaleOut.')
param postgresReadReplica bool = false

param redisSku object
@allowed([
  'free'
  'basic'
  'standard'
])
param searchSku string
@allowed([
  'Free_F1'
  'Standard_S1'
])
param webPubSubSku string
@allowed([
  'Standard_AzureFrontDoor'
  'Premium_AzureFrontDoor'
])
param frontDoorSku string
param wafRateLimitPerMinute int = 600
param keyVaultPurgeProtection bool
param emailDataLocation string = 'Europe'

@description('Entra (External ID or workforce) token issuer and JWKS of the shoppers\' tenant (v2.0: https://<tenant-id>.ciamlogin.com/<tenant-id>/v2.0 or https://login.microsoftonline.com/<tenant-id>/v2.0).')
param authIssuer string
param authJwksUrl string
// v2.0 access tokens carry the API's application (client) id as `aud`
// (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference), so
// AUTH_AUDIENCE is that id, not a name.
@description('Application (client) id of the API app registration: the `aud` of its v2.0 access tokens.')
@minLength(36)
@maxLength(36)
param authApiClientId string

@description('Entra app registration of the SPA, its authority and the API scope it asks for (public values), e.g. api://<api client id>/access_as_user.')
@minLength(1)
param authSpaClientId string
@minLength(1)
param authAuthority string
@minLength(1)
param authSpaScopes string

@description('The PayPal webhook id that webhook signatures are verified against (not a secret); the app refuses to start without it.')
@minLength(1)
param paypalWebhookId string

@description('Publishable (not secret) payment identifiers; the secrets live in Key Vault.')
param stripePublishableKey string
param paypalClientId string
param paypalApiBase string
param logLevel string = 'info'

// ---- Zones and the standby region (docs/deploy.md, "Zones and the standby region") ------------
@description('Zone redundancy where the chosen tier offers it: Cosmos DB, Azure SQL (Hyperscale), Storage (ZRS), Function App (Flex), AI Search (>= 2 replicas). Service Bus Standard is zone-redundant by itself; Redis Standard and Web PubSub Standard have no zone option.')
param zoneRedundant bool = false
@description('Flex Consumption zone redundancy on its own switch: it makes the platform keep two always-ready instances per function group (HTTP, and each timer and Service Bus function), the costliest zone choice here (docs/deploy.md).')
param functionZoneRedundant bool = zoneRedundant
@description('A standby region (e.g. the paired region, where geo-redundant storage copies to); blank = one region, nothing below is deployed.')
param secondaryLocation string = ''
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_RAGZRS'
])
@description('The SPA and Functions host storage: LRS (dev), ZRS (zones), RA-GZRS (zones, and the SPA readable in the paired region).')
param storageSkuName string = 'Standard_LRS'
@description('AI Search replicas: two spread over zones (Basic and up) and give the read SLA.')
param searchReplicaCount int = 1
@description('The shop\'s DNS zone in Azure DNS (e.g. shop.example.com); blank = the Front Door endpoint name only.')
param dnsZoneName string = ''
param shopHostLabel string = 'www'

var baseName = '${namePrefix}-${environmentName}'
var tags = {
  app: 'storefront'
  env: environmentName
}

// ---- The sales calendar --------------------------------------------------------------
var salesCalendar = loadJsonContent('sales-calendar.json')
var salesPolicy = salesCalendar.policy
// Same integer formula as capacityForPeak() in shared/scaling/sales-calendar.ts.
var saleMaximumInstances = [
  for window in salesCalendar.windows: max(
    salesPolicy.baseline.alwaysReadyInstances,
    (window.expectedPeakRps + salesPolicy.requestsPerSecondPerInstance - 1) / salesPolicy.requestsPerSecondPerInstance
  ) * salesPolicy.burstFactor
]
var maximumInstanceCount = salesScalingEnabled
  ? max(concat([salesPolicy.baseline.maximumInstanceCount], saleMaximumInstances))
  : 40
var baselineAlwaysReady = salesScalingEnabled ? salesPolicy.baseline.alwaysReadyInstances : 0
var baselineCosmosMaxThroughput = salesScalingEnabled ? salesPolicy.baseline.cosmosMaxThroughput : 1000

var functionAppName = 'func-${baseName}-${uniqueString(resourceGroup().id)}'
var useAzureSql = relationalEngine == 'azuresql'
var hasSecondary = !empty(secondaryLocation)
// The standby region's resources: same modules, a distinct base name.
var secondaryBaseName = '${baseName}-2'
var secondaryFunctionAppName = 'func-${secondaryBaseName}-${uniqueString(resourceGroup().id)}'
var usePostgres = relationalEngine == 'postgresql'

// ---- Resources -------------------------------------------------------------------------
module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    baseName: baseName
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    baseName: baseName
    tags: tags
    skuName: storageSkuName
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    location: location
    baseName: baseName
    tags: tags
    productsMaxThroughput: baselineCosmosMaxThroughput
    secondaryLocation: secondaryLocation
    zoneRedundant: zoneRedundant
  }
}

module sql 'modules/sql.bicep' = if (useAzureSql) {
  name: 'sql'
  params: {
    location: location
    baseName: baseName
    tags: tags
    adminGroupName: sqlAdminGroupName
    adminGroupObjectId: sqlAdminGroupObjectId
    skuName: sqlSkuName
    readScaleOut: sqlReadScaleOut
    highAvailabilityReplicaCount: sqlHighAvailabilityReplicaCount
    autoPauseDelay: sqlAutoPauseDelay
    operatorIpAddress: operatorIpAddress
    secondaryLocation: secondaryLocation
    zoneRedundant: zoneRedundant
  }
}

module postgresql 'modules/postgresql.bicep' = if (usePostgres) {
  name: 'postgresql'
  params: {
    location: location
    baseName: baseName
    tags: tags
    adminGroupName: sqlAdminGroupName
    adminGroupObjectId: sqlAdminGroupObjectId
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    highAvailability: postgresHighAvailability
    readReplica: postgresReadReplica
    operatorIpAddress: operatorIpAddress
    secondaryLocation: secondaryLocation
  }
}

module serviceBus 'modules/service-bus.bicep' = {
  name: 'service-bus'
  params: {
    location: location
    baseName: baseName
    tags: tags
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  params: {
    location: location
    baseName: baseName
    tags: tags
    sku: redisSku
  }
}

module search 'modules/search.bicep' = {
  name: 'search'
  params: {
    location: location
    baseName: baseName
    tags: tags
    sku: searchSku
    replicaCount: searchReplicaCount
  }
}

module webPubSub 'modules/web-pubsub.bicep' = {
  name: 'web-pubsub'
  params: {
    location: location
    baseName: baseName
    tags: tags
    skuName: webPubSubSku
  }
}

module email 'modules/email.bicep' = {
  name: 'email'
  params: {
    baseName: baseName
    tags: tags
    dataLocation: emailDataLocation
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    location: location
    baseName: baseName
    tags: tags
    purgeProtection: keyVaultPurgeProtection
  }
}

// The profile comes first: the function app admits only this Front Door (its X-Azure-FDID,
// a value Azure assigns), and Front Door's API origin is the app's actual default host name,
// which need not be <name>.azurewebsites.net: apps created since June 2024 may get a unique
// default hostname <name>-<hash>.<region>.azurewebsites.net (the note at the top of
// https://learn.microsoft.com/azure/app-service/deploy-zip), so the origin is the site's own
// defaultHostName output. Order: profile -> function app -> the rest of Front Door
// (modules/front-door.bicep); no cycle.
resource frontDoorProfile 'Microsoft.Cdn/profiles@2024-02-01' = {
  name: 'afd-${baseName}'
  location: 'global'
  tags: tags
  sku: {
    name: frontDoorSku
  }
}

module frontDoor 'modules/front-door.bicep' = {
  name: 'front-door'
  params: {
    baseName: baseName
    tags: tags
    profileName: frontDoorProfile.name
    sku: frontDoorSku
    spaHost: storage.outputs.webHost
    apiHost: functionApp.outputs.defaultHostName
    rateLimitPerMinute: wafRateLimitPerMinute
    standbyApiHost: hasSecondary ? functionAppSecondary!.outputs.defaultHostName : ''
    standbySpaHost: storage.outputs.webSecondaryHost
    dnsZoneName: dnsZoneName
    shopHostLabel: shopHostLabel
  }
}

// Secrets are referenced, never copied: the platform resolves them with the app's identity.
var secretUriBase = '${keyVault.outputs.uri}secrets'

// Every setting shared/platform/config.ts reads (bicep/infrastructure.test.ts checks the
// list), in its Azure form: endpoints and names, identity-based connections, no keys.
var appSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.accountName
  ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  LOG_LEVEL: logLevel
  MAX_BODY_BYTES: '262144'
  COSMOS_ENDPOINT: cosmos.outputs.endpoint
  COSMOS_DATABASE: cosmos.outputs.databaseName
  COSMOS_PRODUCTS_CONTAINER: cosmos.outputs.containerName
  // This region first; after a Cosmos failover the SDK follows the account's new write region.
  COSMOS_PREFERRED_REGIONS: hasSecondary ? '${location},${secondaryLocation}' : ''
  // One engine's settings are set, the other's blank (shared/platform/config.ts refuses both).
  // The failover group's read-write listener when there is a standby region: no change on failover.
  SQL_SERVER: useAzureSql ? sql!.outputs.listenerFqdn : ''
  SQL_DATABASE: useAzureSql ? sql!.outputs.databaseName : ''
  SQL_READ_SCALE_OUT: (useAzureSql && sqlReadScaleOut) ? 'true' : 'false'
  // PostgreSQL with Entra: user = the app's name (its Entra administrator's principalName,
  // modules/role-assignments.bicep), password = a token for its managed identity.
  PG_HOST: usePostgres ? postgresql!.outputs.writerFqdn : ''
  PG_DATABASE: usePostgres ? postgresql!.outputs.databaseName : ''
  PG_USER: usePostgres ? functionAppName : ''
  PG_READ_HOST: usePostgres ? postgresql!.outputs.readServerFqdn : ''
  REDIS_URL: redis.outputs.url
  REDIS_AUTH: 'entra'
  SERVICEBUS_NAMESPACE: serviceBus.outputs.fullyQualifiedNamespace
  SEARCH_ENDPOINT: search.outputs.endpoint
  SEARCH_INDEX: 'products'
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: authApiClientId
  AUTH_JWKS_URL: authJwksUrl
  AUTH_CLOCK_TOLERANCE_SECONDS: '60'
  AUTH_SPA_CLIENT_ID: authSpaClientId
  AUTH_AUTHORITY: authAuthority
  AUTH_SPA_SCOPES: authSpaScopes
  WEBPUBSUB_ENDPOINT: webPubSub.outputs.endpoint
  WEBPUBSUB_HUB: webPubSub.outputs.hubName
  EMAIL_ENDPOINT: email.outputs.endpoint
  EMAIL_SENDER: email.outputs.sender
  PAYMENTS_SANDBOX: 'false'
  STRIPE_API_BASE: 'https://api.stripe.com'
  STRIPE_PUBLISHABLE_KEY: stripePublishableKey
  STRIPE_SECRET_KEY: '@Microsoft.KeyVault(SecretUri=${secretUriBase}/stripe-secret-key)'
  STRIPE_WEBHOOK_SECRET: '@Microsoft.KeyVault(SecretUri=${secretUriBase}/stripe-webhook-secret)'
  PAYPAL_API_BASE: paypalApiBase
  PAYPAL_CLIENT_ID: paypalClientId
  PAYPAL_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${secretUriBase}/paypal-client-secret)'
  PAYPAL_WEBHOOK_ID: paypalWebhookId
  CART_HOLD_MINUTES: '15'
  CART_MAX_LINE_QUANTITY: '10'
  LOW_STOCK_THRESHOLD: '5'
  CACHE_TTL_SECONDS: '60'
  // The scale-scheduler's target; blank in dev, where it only logs the plan.
  SCALE_SUBSCRIPTION_ID: salesScalingEnabled ? subscription().subscriptionId : ''
  SCALE_RESOURCE_GROUP: salesScalingEnabled ? resourceGroup().name : ''
  SCALE_FUNCTION_APP_NAME: salesScalingEnabled ? functionAppName : ''
  SCALE_COSMOS_ACCOUNT_NAME: salesScalingEnabled ? cosmos.outputs.accountName : ''
  // The scheduler scales Azure SQL's vCores only; PostgreSQL keeps its deployed size.
  SCALE_SQL_SERVER_NAME: (salesScalingEnabled && useAzureSql) ? sql!.outputs.serverName : ''
  SCALE_SQL_DATABASE_NAME: (salesScalingEnabled && useAzureSql) ? sql!.outputs.databaseName : ''
  SCALE_PAUSED: 'false'
  SALES_CALENDAR: loadTextContent('sales-calendar.json')
}

// The standby region's Function App: the same settings but for what is regional (its own host
// storage, bus namespace, cache, search service and Web PubSub, its own name), and Cosmos DB
// preferred in its own region. The same package is deployed to both (docs/deploy.md).
var secondaryAppSettings = hasSecondary
  ? union(appSettings, {
      AzureWebJobsStorage__accountName: storageSecondary!.outputs.accountName
      ServiceBusConnection__fullyQualifiedNamespace: serviceBusSecondary!.outputs.fullyQualifiedNamespace
      SERVICEBUS_NAMESPACE: serviceBusSecondary!.outputs.fullyQualifiedNamespace
      COSMOS_PREFERRED_REGIONS: '${secondaryLocation},${location}'
      REDIS_URL: redisSecondary!.outputs.url
      SEARCH_ENDPOINT: searchSecondary!.outputs.endpoint
      WEBPUBSUB_ENDPOINT: webPubSubSecondary!.outputs.endpoint
      WEBPUBSUB_HUB: webPubSubSecondary!.outputs.hubName
      PG_USER: usePostgres ? secondaryFunctionAppName : ''
      SCALE_FUNCTION_APP_NAME: salesScalingEnabled ? secondaryFunctionAppName : ''
    })
  : {}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    baseName: baseName
    name: functionAppName
    tags: tags
    storageAccountName: storage.outputs.accountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSettings: appSettings
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: baselineAlwaysReady
    frontDoorId: frontDoorProfile.properties.frontDoorId
    zoneRedundant: functionZoneRedundant
  }
}

module roles 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  params: {
    principalId: functionApp.outputs.principalId
    functionAppName: functionApp.outputs.name
    storageAccountName: storage.outputs.accountName
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    serviceBusTopicName: serviceBus.outputs.topicName
    cosmosAccountName: cosmos.outputs.accountName
    keyVaultName: keyVault.outputs.name
    searchServiceName: search.outputs.name
    webPubSubName: webPubSub.outputs.name
    redisName: redis.outputs.name
    communicationServiceName: email.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    sqlServerName: useAzureSql ? sql!.outputs.serverName : ''
    sqlDatabaseName: useAzureSql ? sql!.outputs.databaseName : ''
    postgresServerName: usePostgres ? postgresql!.outputs.serverName : ''
    salesScalingEnabled: salesScalingEnabled
  }
}

// ---- The standby region -----------------------------------------------------------------------
// Regional services get a second instance, rebuilt rather than replicated (docs/deploy.md,
// "Recovery point and time per service"): the bus (Standard has no geo-disaster recovery; the
// outbox re-publishes what it lost), the cache (refills from the stores), search (npm run reindex
// from Cosmos DB) and Web PubSub (pages reconnect through negotiate). Same modules, same zone
// choices as the primary.
module storageSecondary 'modules/storage.bicep' = if (hasSecondary) {
  name: 'storage-2'
  params: {
    location: secondaryLocation
    baseName: secondaryBaseName
    tags: tags
    skuName: zoneRedundant ? 'Standard_ZRS' : 'Standard_LRS'
    staticWebsite: false
  }
}

module serviceBusSecondary 'modules/service-bus.bicep' = if (hasSecondary) {
  name: 'service-bus-2'
  params: {
    location: secondaryLocation
    baseName: secondaryBaseName
    tags: tags
  }
}

module redisSecondary 'modules/redis.bicep' = if (hasSecondary) {
  name: 'redis-2'
  params: {
    location: secondaryLocation
    baseName: secondaryBaseName
    tags: tags
    sku: redisSku
  }
}

module searchSecondary 'modules/search.bicep' = if (hasSecondary) {
  name: 'search-2'
  params: {
    location: secondaryLocation
    baseName: secondaryBaseName
    tags: tags
    sku: searchSku
    replicaCount: searchReplicaCount
  }
}

module webPubSubSecondary 'modules/web-pubsub.bicep' = if (hasSecondary) {
  name: 'web-pubsub-2'
  params: {
    location: secondaryLocation
    baseName: secondaryBaseName
    tags: tags
    skuName: webPubSubSku
  }
}

module functionAppSecondary 'modules/function-app.bicep' = if (hasSecondary) {
  name: 'function-app-2'
  params: {
    location: secondaryLocation
    baseName: secondaryBaseName
    name: secondaryFunctionAppName
    tags: tags
    storageAccountName: storageSecondary!.outputs.accountName
    deploymentContainerUrl: storageSecondary!.outputs.deploymentContainerUrl
    appSettings: secondaryAppSettings
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: baselineAlwaysReady
    frontDoorId: frontDoorProfile.properties.frontDoorId
    zoneRedundant: functionZoneRedundant
  }
}

// The same grants on its own regional resources and on the shared ones (Cosmos DB, Key Vault,
// SQL, email, telemetry). After the primary's: both declare the email sender's custom role.
module rolesSecondary 'modules/role-assignments.bicep' = if (hasSecondary) {
  name: 'role-assignments-2'
  dependsOn: [
    roles
  ]
  params: {
    principalId: functionAppSecondary!.outputs.principalId
    functionAppName: functionAppSecondary!.outputs.name
    storageAccountName: storageSecondary!.outputs.accountName
    serviceBusNamespaceName: serviceBusSecondary!.outputs.namespaceName
    serviceBusTopicName: serviceBusSecondary!.outputs.topicName
    cosmosAccountName: cosmos.outputs.accountName
    keyVaultName: keyVault.outputs.name
    searchServiceName: searchSecondary!.outputs.name
    webPubSubName: webPubSubSecondary!.outputs.name
    redisName: redisSecondary!.outputs.name
    communicationServiceName: email.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    sqlServerName: useAzureSql ? sql!.outputs.serverName : ''
    sqlDatabaseName: useAzureSql ? sql!.outputs.databaseName : ''
    postgresServerName: usePostgres ? postgresql!.outputs.serverName : ''
    salesScalingEnabled: salesScalingEnabled
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    baseName: baseName
    tags: tags
    alertEmail: alertEmail
    appInsightsId: monitoring.outputs.appInsightsId
    serviceBusNamespaceId: serviceBus.outputs.namespaceId
    standbyServiceBusNamespaceId: hasSecondary ? serviceBusSecondary!.outputs.namespaceId : ''
    postgresServerId: usePostgres ? postgresql!.outputs.serverId : ''
    postgresReplicaId: usePostgres ? postgresql!.outputs.replicaId : ''
  }
}

// ---- Outputs, named like the app settings the code reads --------------------------------
output AzureWebJobsStorage__accountName string = storage.outputs.accountName
output ServiceBusConnection__fullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output COSMOS_PRODUCTS_CONTAINER string = cosmos.outputs.containerName
output SQL_SERVER string = useAzureSql ? sql!.outputs.listenerFqdn : ''
output SQL_DATABASE string = useAzureSql ? sql!.outputs.databaseName : ''
output SQL_READ_SCALE_OUT string = (useAzureSql && sqlReadScaleOut) ? 'true' : 'false'
output PG_HOST string = usePostgres ? postgresql!.outputs.writerFqdn : ''
output PG_DATABASE string = usePostgres ? postgresql!.outputs.databaseName : ''
output PG_USER string = usePostgres ? functionAppName : ''
output PG_READ_HOST string = usePostgres ? postgresql!.outputs.readServerFqdn : ''
output REDIS_URL string = redis.outputs.url
output SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output SEARCH_ENDPOINT string = search.outputs.endpoint
output WEBPUBSUB_ENDPOINT string = webPubSub.outputs.endpoint
output WEBPUBSUB_HUB string = webPubSub.outputs.hubName
output EMAIL_ENDPOINT string = email.outputs.endpoint
output EMAIL_SENDER string = email.outputs.sender
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
// For people and scripts (npm run deploy:web, seeding), not app settings.
output FUNCTION_APP_NAME string = functionApp.outputs.name
output WEB_STORAGE_ACCOUNT string = storage.outputs.accountName
output KEY_VAULT_NAME string = keyVault.outputs.name
output PUBLIC_URL string = 'https://${frontDoor.outputs.publicHostName}'
// The standby region, for the runbook's drill (empty without one).
output FUNCTION_APP_NAME_2 string = hasSecondary ? functionAppSecondary!.outputs.name : ''
output WEB_STORAGE_ACCOUNT_2 string = hasSecondary ? storageSecondary!.outputs.accountName : ''
output SERVICEBUS_NAMESPACE_2 string = hasSecondary ? serviceBusSecondary!.outputs.fullyQualifiedNamespace : ''
output SEARCH_ENDPOINT_2 string = hasSecondary ? searchSecondary!.outputs.endpoint : ''
output SQL_FAILOVER_GROUP string = useAzureSql ? sql!.outputs.failoverGroupName : ''
output SQL_READ_ONLY_LISTENER string = useAzureSql ? sql!.outputs.readOnlyListenerFqdn : ''
@description('Set these at the domain\'s registrar once (empty without dnsZoneName).')
output DNS_NAME_SERVERS array = frontDoor.outputs.nameServers
output SCALE_MAXIMUM_INSTANCE_COUNT int = maximumInstanceCount
