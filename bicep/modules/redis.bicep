// Azure Cache for Redis for catalogue/search/availability reads. Access keys are disabled;
// the app authenticates with Entra ID (its managed identity, via an access policy
// assignment in role-assignments.bicep) over TLS on 6380.

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
