// Azure Cache for Redis for catalogue/search/availability reads. Access keys are disabled;
// the app authenticates with Entra ID (its managed identity, via an access policy
// assignment in role-assignments.bicep) over TLS on 6380: user = the identity's object id,
// password = a token for https://redis.azure.com/.default
// (https://learn.microsoft.com/azure/azure-cache-for-redis/cache-azure-active-directory-for-authentication).
// 'aad-enabled' turns Entra authentication on and disableAccessKeyAuthentication turns keys off
// (Microsoft.Cache/redis@2024-03-01: redisConfiguration.aad-enabled,
// properties.disableAccessKeyAuthentication); Entra needs TLS, hence no non-TLS port.

param location string
param baseName string
param tags object
@description('Basic C0 for dev; Standard C1 (replicated, SLA) for prod.')
param sku object

resource cache 'Microsoft.Cache/redis@2024-03-01' = {
  name: 'redis-${baseName}-${uniqueString(resourceGroup().id)}'
  location: location
  tags: tags
  properties: {
    sku: sku
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    disableAccessKeyAuthentication: true
    redisConfiguration: {
      'aad-enabled': 'true'
      'maxmemory-policy': 'allkeys-lru'
    }
  }
}

output name string = cache.name
output hostName string = cache.properties.hostName
output url string = 'rediss://${cache.properties.hostName}:6380'
