// Azure Database for PostgreSQL Flexible Server: the relational store when main.bicep's
// relationalEngine is 'postgresql' (then modules/sql.bicep is not deployed). Same tables and
// migrations as Azure SQL; on PostgreSQL the app runs its one-statement write path
// (shared/adapters/sql/dialect.ts).
//
// Microsoft Entra authentication only: password auth is disabled and no password login exists.
// Administrators are Entra principals: the operators' group here (they migrate), and the Function
// App's managed identity, added in role-assignments.bicep once the app exists (its object id is
// the administrator's resource name; declaring it here would make the app depend on this module
// and this module on the app). The app signs in with user = its name, password = an Entra token
// for https://ossrdbms-aad.database.windows.net/.default
// (https://learn.microsoft.com/azure/postgresql/flexible-server/how-to-connect-with-managed-identity).
//
// API version 2025-08-01: the newest stable version in the Bicep reference
// (https://learn.microsoft.com/azure/templates/microsoft.dbforpostgresql/flexibleservers),
// type-checked here by /work/shared/tools/bicep-types.

param location string
param baseName string
param tags object
@description('Entra group administering the server (operators: migrations, grants). Members sign in with its name as the user.')
param adminGroupName string
param adminGroupObjectId string
@description('Compute size, e.g. Standard_B1ms (Burstable, dev) or Standard_D2ds_v5 (General Purpose, prod).')
param skuName string
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string
param storageSizeGB int = 32
@description('High availability: a standby server with synchronous replication and automatic failover. Not available on Burstable.')
@allowed([
  'Disabled'
  'SameZone'
  'ZoneRedundant'
])
param highAvailability string = 'Disabled'
@description('A read replica for order history (PG_READ_HOST), as Azure SQL\'s read scale-out. Not available on Burstable.')
param readReplica bool
@description('The operator\'s public IPv4 address, for npm run migrate/seed and psql from their machine; empty = no rule. Remove the rule when done (docs/deploy.md).')
param operatorIpAddress string = ''

@description('A geo replica in this region, promoted when the first region is lost; blank = one region.')
param secondaryLocation string = ''

var serverName = 'psql-${baseName}-${uniqueString(resourceGroup().id)}'
var hasSecondary = !empty(secondaryLocation)

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = {
  name: serverName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: '17'
    createMode: 'Create'
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: subscription().tenantId
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: highAvailability
    }
    // As modules/sql.bicep: public endpoint, Azure services allowed (Flex Consumption without
    // VNet integration has no fixed outbound IPs), Entra identity as the gate. Private
    // endpoints are the next hardening step for both engines (docs/deploy.md).
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource adminGroup 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2025-08-01' = {
  parent: server
  name: adminGroupObjectId
  properties: {
    principalName: adminGroupName
    principalType: 'Group'
    tenantId: subscription().tenantId
  }
}

// The server accepts one change at a time: each child waits for the previous one.
resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2025-08-01' = {
  parent: server
  name: 'shop'
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
  dependsOn: [
    adminGroup
  ]
}

// 0.0.0.0 - 0.0.0.0 is "allow public access from any Azure service within Azure"
// (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-firewall-rules).
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
  dependsOn: [
    database
  ]
}

// Deployments are incremental: clearing the parameter does not delete the rule; delete it with
// `az postgres flexible-server firewall-rule delete --rule-name operator` (docs/deploy.md).
resource operatorAccess 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = if (!empty(operatorIpAddress)) {
  parent: server
  name: 'operator'
  properties: {
    startIpAddress: operatorIpAddress
    endIpAddress: operatorIpAddress
  }
  dependsOn: [
    allowAzure
  ]
}

// The read replica: asynchronous physical replication, so it carries the same roles (and their
// Entra mapping) and grants as the primary; Entra administrators are managed on the primary
// (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-read-replicas).
// Order history reads it (PG_READ_HOST); a read-your-write goes to the primary.
resource replica 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = if (readReplica) {
  name: '${serverName}-read'
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    createMode: 'Replica'
    sourceServerResourceId: server.id
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
  dependsOn: [
    allowAzure
    operatorAccess
  ]
}

// A replica's firewall rules are its own: the same two as the primary.
resource replicaAllowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = if (readReplica) {
  parent: replica
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource replicaOperatorAccess 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = if (readReplica && !empty(operatorIpAddress)) {
  parent: replica
  name: 'operator'
  properties: {
    startIpAddress: operatorIpAddress
    endIpAddress: operatorIpAddress
  }
  dependsOn: [
    replicaAllowAzure
  ]
}

// ---- The standby region: a geo replica and a virtual endpoint ------------------------------------
// Asynchronous replication to the other region; on an outage the operator promotes it (switchover
// when the primary answers, forced otherwise). The virtual endpoint's writer name
// (<name>.writer.postgres.database.azure.com) always points at the current primary, so the app
// (PG_HOST) needs no setting change (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-read-replicas-virtual-endpoints).
resource geoReplica 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = if (hasSecondary) {
  name: '${serverName}-geo'
  location: hasSecondary ? secondaryLocation : location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    createMode: 'Replica'
    sourceServerResourceId: server.id
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
  dependsOn: [
    replica
    allowAzure
  ]
}

resource geoReplicaAllowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = if (hasSecondary) {
  parent: geoReplica
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource writerEndpoint 'Microsoft.DBforPostgreSQL/flexibleServers/virtualendpoints@2025-08-01' = if (hasSecondary) {
  parent: server
  name: '${serverName}-ve'
  properties: {
    endpointType: 'ReadWrite'
    members: [
      geoReplica.name
    ]
  }
}

output serverName string = server.name
output serverId string = server.id
output serverFqdn string = server.properties.fullyQualifiedDomainName
@description('What the app connects to: the virtual endpoint\'s writer name, or the server without a standby region.')
output writerFqdn string = hasSecondary ? '${serverName}-ve.writer.postgres.database.azure.com' : server.properties.fullyQualifiedDomainName
output geoReplicaName string = hasSecondary ? geoReplica.name : ''
output databaseName string = database.name
output replicaId string = readReplica ? replica.id : ''
output readServerFqdn string = readReplica ? replica!.properties.fullyQualifiedDomainName : ''
