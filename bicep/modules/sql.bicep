// Azure SQL: users, carts, inventory, orders, payments, outbox, inbox. Entra-only auth
// (no SQL logins or passwords exist). Read scale-out sends connections opened with
// ApplicationIntent=ReadOnly (order history) to a readable secondary replica.

param location string
param baseName string
param tags object
@description('Entra group that administers the server (DBAs / deployment pipeline).')
param adminGroupName string
param adminGroupObjectId string
@description('e.g. HS_Gen5_2 (Hyperscale, prod) or GP_S_Gen5_1 (serverless, dev).')
param skuName string
@description('Enable read scale-out: needs Hyperscale with >= 1 HA replica, Premium or Business Critical.')
param readScaleOut bool
@description('Hyperscale high-availability replicas; with read scale-out they serve read-only traffic.')
param highAvailabilityReplicaCount int = 1
@description('Serverless only: minutes idle before the database pauses (-1 = never).')
param autoPauseDelay int = -1
@description('The operator\'s public IPv4 address, for sqlcmd and npm run migrate/seed from their machine; empty = no rule. Remove the rule when done (docs/deploy.md).')
param operatorIpAddress string = ''

var isServerless = contains(skuName, '_S_')
var isHyperscale = startsWith(skuName, 'HS_')

resource server 'Microsoft.Sql/servers@2023-08-01-preview' = {
  name: 'sql-${baseName}-${uniqueString(resourceGroup().id)}'
  location: location
  tags: tags
  properties: {
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: adminGroupName
      sid: adminGroupObjectId
      principalType: 'Group'
      tenantId: subscription().tenantId
    }
  }
}

// Flex Consumption without VNet integration has no fixed outbound IPs: allow Azure
// services; identity is the real gate (Entra-only auth). Private endpoints: see docs/deploy.md.
resource allowAzure 'Microsoft.Sql/servers/firewallRules@2023-08-01-preview' = {
  parent: server
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

// A one-address rule for the operator's machine while they create the app's database user,
// migrate and seed (https://learn.microsoft.com/azure/azure-sql/database/firewall-configure).
// Deployments are incremental, so clearing the parameter does not delete the rule: delete it
// with `az sql server firewall-rule delete -n operator` (docs/deploy.md).
resource operatorAccess 'Microsoft.Sql/servers/firewallRules@2023-08-01-preview' = if (!empty(operatorIpAddress)) {
  parent: server
  name: 'operator'
  properties: {
    startIpAddress: operatorIpAddress
    endIpAddress: operatorIpAddress
  }
}

resource database 'Microsoft.Sql/servers/databases@2023-08-01-preview' = {
  parent: server
  name: 'shop'
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    readScale: readScaleOut ? 'Enabled' : 'Disabled'
    highAvailabilityReplicaCount: isHyperscale ? highAvailabilityReplicaCount : null
    autoPauseDelay: isServerless ? autoPauseDelay : null
    minCapacity: isServerless ? json('0.5') : null
    zoneRedundant: false
    requestedBackupStorageRedundancy: 'Local'
  }
}

output serverName string = server.name
output serverFqdn string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
output readScaleOut bool = readScaleOut
