// Cosmos DB for NoSQL holding the product catalogue. Keys are disabled: the app uses its
// managed identity (data-plane RBAC, see role-assignments.bicep).

param location string
param baseName string
param tags object
@description('Autoscale ceiling of the products container at deploy time; the scale-scheduler raises it for sales.')
@minValue(1000)
param productsMaxThroughput int
@description('A second region (read replica, write region after a failover); blank = one region.')
param secondaryLocation string = ''
@description('Spread each region\'s replicas over its availability zones.')
param zoneRedundant bool = false
param databaseName string = 'shop'
param containerName string = 'products'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: 'cosmos-${baseName}-${uniqueString(resourceGroup().id)}'
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    // Two regions: one write region, one read region; with service-managed failover Cosmos DB
    // makes the read region the write region when the first region is lost
    // (https://learn.microsoft.com/azure/reliability/reliability-cosmos-db). The app prefers its
    // own region (COSMOS_PREFERRED_REGIONS in main.bicep).
    enableAutomaticFailover: !empty(secondaryLocation)
    locations: concat(
      [
        {
          locationName: location
          failoverPriority: 0
          isZoneRedundant: zoneRedundant
        }
      ],
      empty(secondaryLocation)
        ? []
        : [
            {
              locationName: secondaryLocation
              failoverPriority: 1
              isZoneRedundant: zoneRedundant
            }
          ]
    )
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

// Partition key /id: the hot path is the product page, a point read by id (1 RU, one
// partition), and /id spreads writes and storage evenly with no hot partition on sale
// day. Category listing is a cross-partition query, acceptable because it is cached
// (Redis + CDN) and served by AI Search for anything filtered; partitioning by category
// would instead concentrate a sale's traffic on one partition.
resource products 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: containerName
  properties: {
    resource: {
      id: containerName
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: [
          {
            path: '/"_etag"/?'
          }
        ]
      }
    }
    // Autoscale: RU/s float between 10% and 100% of the max, billed by the hour's peak.
    // Physical partitions: a new container gets max RU/s / 10,000 of them (rounded up), so the
    // baseline 1,000 RU/s gives one. The scale-scheduler can raise the max instantly up to
    // partitions x 10,000 RU/s; beyond that Cosmos splits partitions first, typically 4-6 hours
    // (https://learn.microsoft.com/azure/cosmos-db/scaling-provisioned-throughput-best-practices),
    // which sales-calendar.json's policy (cosmosPhysicalPartitions, leadTimes.cosmosSplitMinutes)
    // plans for. Lowering stops at a tenth of the highest max ever set
    // (https://learn.microsoft.com/azure/cosmos-db/autoscale-faq), which the calendar checks too.
    options: {
      autoscaleSettings: {
        maxThroughput: productsMaxThroughput
      }
    }
  }
}

output accountName string = account.name
output accountId string = account.id
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output containerName string = products.name
