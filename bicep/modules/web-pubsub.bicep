// Web PubSub pushes live stock counts to product pages (hub `stock`). Access keys are
// disabled: the negotiate function signs client URLs with its managed identity.

param location string
param baseName string
param tags object
@allowed([
  'Free_F1'
  'Standard_S1'
])
param skuName string
param hubName string = 'stock'

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: 'wps-${baseName}-${uniqueString(resourceGroup().id)}'
  location: location
  tags: tags
  sku: {
    name: skuName
    capacity: 1
  }
  properties: {
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource hub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: pubsub
  name: hubName
  properties: {
    // Shoppers connect only with URLs from /api/realtime/negotiate.
    anonymousConnectPolicy: 'deny'
  }
}

output name string = pubsub.name
output endpoint string = 'https://${pubsub.properties.hostName}'
output hubName string = hub.name
