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

@description('A partner server in this region and an auto-failover group over both; blank = one region.')
param secondaryLocation string = ''
@description('Spread the database\'s replicas over availability zones (Hyperscale: needs >= 1 HA replica; set at creation).')
param zoneRedundant bool = false

var isServerless = contains(skuName, '_S_')
var hasSecondary = !empty(secondaryLocation)
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
    // Zone redundancy needs zone-redundant backup storage; with a standby region, geo-zone, so a
    // geo-restore is possible even if the failover group were lost.
    zoneRedundant: zoneRedundant
    requestedBackupStorageRedundancy: zoneRedundant ? (hasSecondary ? 'GeoZone' : 'Zone') : 'Local'
  }
}

// ---- The standby region: a partner server and an auto-failover group -------------------------
// The group's listeners follow the primary: <group>.database.windows.net (read-write) and
// <group>.secondary.database.windows.net (read-only, the geo-secondary), so the app connects to
// the read-write listener and a failover needs no setting change
// (https://learn.microsoft.com/azure/azure-sql/database/failover-group-sql-db). Order history
// keeps ApplicationIntent=ReadOnly on that listener, which read scale-out sends to the current
// primary's HA replica, in the app's region; the read-only listener would read the geo-secondary,
// a region away (docs/deploy.md, "Standby region").
var failoverGroupName = 'fog-${baseName}-${uniqueString(resourceGroup().id)}'

resource partner 'Microsoft.Sql/servers@2023-08-01-preview' = if (hasSecondary) {
  name: 'sql-${baseName}-2-${uniqueString(resourceGroup().id)}'
  location: hasSecondary ? secondaryLocation : location
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

resource partnerAllowAzure 'Microsoft.Sql/servers/firewallRules@2023-08-01-preview' = if (hasSecondary) {
  parent: partner
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

// The group seeds the geo-secondary database on the partner (same name and size) itself.
// Automatic: Microsoft fails the group over after the grace period (60 min) of a region-wide
// outage; the runbook's drill fails over by hand first (docs/runbook.md, "Region failover drill").
resource failoverGroup 'Microsoft.Sql/servers/failoverGroups@2023-08-01-preview' = if (hasSecondary) {
  parent: server
  name: failoverGroupName
  properties: {
    partnerServers: [
      {
        id: partner.id
      }
    ]
    readWriteEndpoint: {
      failoverPolicy: 'Automatic'
      failoverWithDataLossGracePeriodMinutes: 60
    }
    readOnlyEndpoint: {
      failoverPolicy: 'Enabled'
    }
    databases: [
      database.id
    ]
  }
}

output serverName string = server.name
output serverFqdn string = server.properties.fullyQualifiedDomainName
@description('What the app connects to: the failover group\'s read-write listener, or the server without a standby region.')
output listenerFqdn string = hasSecondary
  ? '${failoverGroupName}${environment().suffixes.sqlServerHostname}'
  : server.properties.fullyQualifiedDomainName
output readOnlyListenerFqdn string = hasSecondary ? '${failoverGroupName}.secondary${environment().suffixes.sqlServerHostname}' : ''
output partnerServerName string = hasSecondary ? partner.name : ''
output failoverGroupName string = hasSecondary ? failoverGroup.name : ''
output databaseName string = database.name
output readScaleOut bool = readScaleOut
