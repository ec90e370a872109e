// Service Bus: topic `orders` (OrderPaid events from the outbox relay) with one
// subscription per consumer. Local (SAS key) auth is disabled: identity only.
// Dead-letter replays (POST /api/admin/dead-letters/{id}/replay) are re-sent to the topic with
// a new message id and `replayFor = '<subscription>'`; each subscription's rule lets through
// normal messages and its own replays only (shared/adapters/bus/service-bus-dead-letters.ts).

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
      // Three tries, then the dead-letter queue: the alert fires and on-call lists and replays
      // through GET /api/admin/dead-letters and POST /api/admin/dead-letters/{id}/replay.
      maxDeliveryCount: 3
      deadLetteringOnMessageExpiration: true
      deadLetteringOnFilterEvaluationExceptions: true
      lockDuration: 'PT1M'
      defaultMessageTimeToLive: 'P14D'
    }
  }
]

// Replaces the implicit `$Default` rule (a TrueFilter, which would hand every replay to every
// subscription). A missing user property IS NULL, so normal messages still reach all of them.
resource replayRules 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2022-10-01-preview' = [
  for (name, i) in subscriptionNames: {
    parent: subscriptions[i]
    name: '$Default'
    properties: {
      filterType: 'SqlFilter'
      sqlFilter: {
        sqlExpression: 'replayFor IS NULL OR replayFor = \'${name}\''
      }
    }
  }
]

output namespaceName string = namespace.name
output namespaceId string = namespace.id
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output topicName string = orders.name
