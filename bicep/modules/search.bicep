// Azure AI Search for product search. API keys are disabled (RBAC only).

param location string
param baseName string
param tags object
@allowed([
  'free'
  'basic'
  'standard'
])
param sku string
param replicaCount int = 1

resource search 'Microsoft.Search/searchServices@2023-11-01' = {
  name: 'srch-${baseName}-${uniqueString(resourceGroup().id)}'
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    replicaCount: replicaCount
    partitionCount: 1
    hostingMode: 'default'
    disableLocalAuth: true
    publicNetworkAccess: 'enabled'
  }
}

output name string = search.name
output endpoint string = 'https://${search.name}.search.windows.net'
