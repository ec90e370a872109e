// What the function app's identity may do, one resource at a time, least privilege.
// bicep/azure-roles.ts holds each role's definition (actions / data actions) as Microsoft
// documents it; bicep/infrastructure.test.ts checks the ids here against it.

param principalId string
param functionAppName string
param storageAccountName string
param serviceBusNamespaceName string
@description('The topic the app publishes to and whose subscriptions trigger its functions.')
param serviceBusTopicName string
param cosmosAccountName string
param keyVaultName string
param searchServiceName string
param webPubSubName string
param redisName string
param communicationServiceName string
param appInsightsName string
@description('Azure SQL logical server and database whose vCores the scale-scheduler sets; empty when relationalEngine is postgresql.')
param sqlServerName string
param sqlDatabaseName string
@description('PostgreSQL flexible server the app signs in to as an Entra administrator; empty when relationalEngine is azuresql.')
param postgresServerName string = ''
@description('The scale-scheduler changes capacity (sales calendar on): only then does it get the control-plane roles below.')
param salesScalingEnabled bool

// Built-in role definition ids, each from its page under
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/<category>
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // storage#storage-blob-data-owner
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // storage#storage-queue-data-contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // storage#storage-table-data-contributor
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419' // integration#azure-service-bus-data-owner
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // security#key-vault-secrets-user
  searchIndexDataContributor: '8ebe5a00-799e-43f5-93ac-243d3dce84a7' // ai-machine-learning#search-index-data-contributor
  webPubSubServiceOwner: '12cf5a90-567b-43ae-8102-96cf46c7d9b4' // web-and-mobile#web-pubsub-service-owner
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // monitor#monitoring-metrics-publisher
  cosmosDbOperator: '230815da-be43-4aae-9cb4-875f7bd000aa' // databases#cosmos-db-operator
  websiteContributor: 'de139f84-1756-47ae-9be6-808fbbe84772' // web-and-mobile#website-contributor
  sqlDbContributor: '9b7fa17d-e63e-47b0-bb0a-15c516ac86ec' // databases#sql-db-contributor
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}
resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}
resource ordersTopic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' existing = {
  parent: serviceBus
  name: serviceBusTopicName
}
resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = {
  name: cosmosAccountName
}
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}
resource search 'Microsoft.Search/searchServices@2023-11-01' existing = {
  name: searchServiceName
}
resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: webPubSubName
}
resource redis 'Microsoft.Cache/redis@2024-03-01' existing = {
  name: redisName
}
resource communication 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}
resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}
resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}
resource postgresServer 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' existing = {
  name: postgresServerName
}
resource sqlServer 'Microsoft.Sql/servers@2023-08-01-preview' existing = {
  name: sqlServerName
}
resource sqlDatabase 'Microsoft.Sql/servers/databases@2023-08-01-preview' existing = {
  parent: sqlServer
  name: sqlDatabaseName
}

// Storage: host state, timers' leases, Flex deployment package (blob); queues and tables
// for the Functions host's own bookkeeping.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]
resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    scope: storage
    name: guid(storage.id, principalId, role)
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

// Service Bus, per "Identity-based connections" in
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger
// (roles table: trigger = Azure Service Bus Data Receiver or Data Owner, output = Data Sender;
// a topic trigger's assignment must cover the subscription) and target-based scaling
// (https://learn.microsoft.com/azure/azure-functions/functions-target-based-scaling, Service Bus
// "Scale efficiency": Manage rights, or scaling falls back to incremental because the message
// count cannot be read). Azure Service Bus Data Owner is the one built-in role with Manage, and
// it also sends and receives, so it is the single role, scoped to the `orders` topic: that
// covers its subscriptions and their dead-letter queues (triggers, the dead-letter admin API),
// sending to the topic (outbox relay, replays), and reading counts for scaling - and nothing
// else in the namespace.
resource serviceBusAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: ordersTopic
  name: guid(ordersTopic.id, principalId, roles.serviceBusDataOwner)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
  }
}

// Cosmos data plane uses its own RBAC: built-in "Cosmos DB Built-in Data Contributor"
// (https://learn.microsoft.com/azure/cosmos-db/reference-data-plane-security).
resource cosmosData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, principalId, 'data-contributor')
  properties: {
    principalId: principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'
    scope: cosmos.id
  }
}

// Control plane, for the scale-scheduler when sales scaling is on (dev only logs the plan):
// change the container's autoscale max RU/s.
resource cosmosOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (salesScalingEnabled) {
  scope: cosmos
  name: guid(cosmos.id, principalId, roles.cosmosDbOperator)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cosmosDbOperator)
  }
}

// ...and change its own always-ready instances (functionAppConfig) on this app only.
resource selfScale 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (salesScalingEnabled) {
  scope: site
  name: guid(site.id, principalId, roles.websiteContributor)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.websiteContributor)
  }
}

// ...and set the SQL database's vCores before a sale (PATCH of its sku), on this database only:
// SQL DB Contributor holds Microsoft.Sql/servers/databases/* but not the server, its security
// policies or any data (https://learn.microsoft.com/azure/azure-sql/database/single-database-scale,
// "Permissions"; definition under built-in-roles/databases#sql-db-contributor).
resource sqlScale 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (salesScalingEnabled && !empty(sqlServerName)) {
  scope: sqlDatabase
  name: guid(sqlDatabase.id, principalId, roles.sqlDbContributor)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.sqlDbContributor)
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, principalId, roles.keyVaultSecretsUser)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

// Azure AI Search: data roles only. The app queries and, when admins change products, writes
// documents; it never creates or changes the index (`npm run reindex` does that at deploy time,
// as the operator, with Search Service Contributor). Index Data Contributor covers
// indexes/documents/* (https://learn.microsoft.com/azure/search/search-security-rbac).
resource searchData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: search
  name: guid(search.id, principalId, roles.searchIndexDataContributor)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.searchIndexDataContributor)
  }
}

resource pubsubOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: pubsub
  name: guid(pubsub.id, principalId, roles.webPubSubServiceOwner)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.webPubSubServiceOwner)
  }
}

// Redis data access is an access policy assignment, not an Azure role
// (https://learn.microsoft.com/azure/azure-cache-for-redis/cache-configure-role-based-access-control).
// The app signs in with user = the object id of its managed identity and password = an Entra
// token (https://learn.microsoft.com/azure/azure-cache-for-redis/cache-azure-active-directory-for-authentication,
// "Microsoft Entra client workflow"). The API reference describes objectIdAlias as "also
// represents username for token based authentication", so the alias is the object id too:
// whichever of the two Redis matches, the username is the same string.
resource redisData 'Microsoft.Cache/redis/accessPolicyAssignments@2024-03-01' = {
  parent: redis
  name: 'function-app'
  properties: {
    accessPolicyName: 'Data Contributor'
    objectId: principalId
    objectIdAlias: principalId
  }
}

// ACS Email with Entra auth needs, per
// https://learn.microsoft.com/azure/communication-services/quickstarts/email/send-email-smtp/smtp-authentication
// ("Use a custom role to limit permissions"), Microsoft.Communication/CommunicationServices/Read,
// .../CommunicationServices/Write and Microsoft.Communication/EmailServices/write: a custom role
// with just those replaces Contributor. Declared at resource-group scope
// (https://learn.microsoft.com/azure/templates/microsoft.authorization/roledefinitions); custom
// role names must be unique in the tenant, hence the suffix. Creating it needs
// Microsoft.Authorization/roleDefinitions/write (Owner or User Access Administrator).
resource emailSenderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'acs-email-sender')
  properties: {
    roleName: 'ACS Email Sender ${uniqueString(resourceGroup().id)}'
    description: 'Send email through Azure Communication Services with a Microsoft Entra identity.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read'
          'Microsoft.Communication/CommunicationServices/Write'
          'Microsoft.Communication/EmailServices/write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource emailSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: communication
  name: guid(communication.id, principalId, emailSenderRole.name)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    // Role definitions are referenced by their subscription-level id, custom ones included.
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', emailSenderRole.name)
  }
}

// App Insights has local auth disabled: telemetry is sent with the identity.
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: appInsights
  name: guid(appInsights.id, principalId, roles.monitoringMetricsPublisher)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// PostgreSQL data access is not an Azure role either: the app's identity is one of the server's
// Microsoft Entra administrators (resource name = its object id; principalName = the PostgreSQL
// role it signs in as, PG_USER = the app's name), which makes it a member of azure_pg_admin
// (https://learn.microsoft.com/azure/postgresql/flexible-server/how-to-configure-sign-in-azure-ad-authentication).
// Declared here, beside the other grants, because it needs the app's object id: in
// modules/postgresql.bicep it would make the app and the server depend on each other.
// The tables' owner (the operators' group, which migrates) grants it read and write
// (docs/deploy.md, step 4).
resource postgresAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2025-08-01' = if (!empty(postgresServerName)) {
  parent: postgresServer
  name: principalId
  properties: {
    principalName: functionAppName
    principalType: 'ServicePrincipal'
    tenantId: subscription().tenantId
  }
}
