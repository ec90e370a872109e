// Service Bus: topic `orders` (OrderPaid events from the outbox relay) with one
// subscription per consumer. Local (SAS key) auth is disabled: identity only.

param location string
param baseName string
param tags object
param subscriptionNames array = [
  'receipts'
  'inventory'
  'fulfilment'
]

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: 'sb-${baseName}-${uniqueString(resourceGroup().id)}'
  location: location
  tags: tags
  // Standard is the cheapest tier with topics; billed hourly whether used or not.
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource orders 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: namespace
  name: 'orders'
  properties: {
    // The relay publishes with message id = event id; a re-publish after a crash within
    // the window is dropped here, and consumers' inbox tables catch anything older.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    defaultMessageTimeToLive: 'P14D'
    maxSizeInMegabytes: 1024
  }
}

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [
  for name in subscriptionNames: {
    parent: orders
    name: name
    properties: {
      // Three tries, then the dead-letter queue: the alert fires and on-call replays
      // through POST /api/admin/dead-letters/{id}/replay.
      maxDeliveryCount: 3
      deadLetteringOnMessageExpiration: true
      deadLetteringOnFilterEvaluationExceptions: true
      lockDuration: 'PT1M'
      defaultMessageTimeToLive: 'P14D'
    }
  }
]

output namespaceName string = namespace.name
output namespaceId string = namespace.id
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output topicName string = orders.name
