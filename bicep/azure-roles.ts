/**
 * The Azure roles the deployment grants, or could be tempted to grant, copied from Microsoft's
 * role definitions (each entry cites its page). Keys match the `roles` variable in
 * modules/role-assignments.bicep where the role is assigned there. Plain data plus one
 * function, `roleAllows`, so a test can check that an identity holds a role for every
 * operation an adapter performs.
 *
 * Matching follows Azure RBAC: `*` matches any run of characters (including `/`), comparison
 * is case-insensitive, and an operation is granted when an allowed pattern matches and no
 * "not" pattern does (learn.microsoft.com/azure/role-based-access-control/role-definitions).
 * Control-plane `actions` never grant data-plane operations and vice versa, which is why
 * `Contributor` (`actions: ['*']`) can read no search document and no secret.
 */

export interface RoleDefinition {
  /** The role definition id (a GUID; for the custom role, how Bicep derives it). */
  id: string;
  name: string;
  actions: string[];
  notActions?: string[];
  dataActions: string[];
  notDataActions?: string[];
  /** The Microsoft page the definition was copied from. */
  source: string;
}

const builtIn = 'https://learn.microsoft.com/azure/role-based-access-control/built-in-roles';

export const azureRoles = {
  owner: {
    id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    name: 'Owner',
    actions: ['*'],
    notActions: [],
    dataActions: [],
    notDataActions: [],
    source: `${builtIn}/privileged#owner`,
  },
  contributor: {
    id: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    name: 'Contributor',
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
    ],
    dataActions: [],
    notDataActions: [],
    source: `${builtIn}/privileged#contributor`,
  },
  searchServiceContributor: {
    id: '7ca78c08-252a-4471-8644-bb5ff32d4ba0',
    name: 'Search Service Contributor',
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Search/searchServices/*',
      'Microsoft.Support/*',
    ],
    notActions: [],
    dataActions: [],
    notDataActions: [],
    source: `${builtIn}/ai-machine-learning#search-service-contributor`,
  },
  searchIndexDataReader: {
    id: '1407120a-92aa-4202-b7e9-c0e197c71c8f',
    name: 'Search Index Data Reader',
    actions: [],
    notActions: [],
    dataActions: ['Microsoft.Search/searchServices/indexes/documents/read'],
    notDataActions: [],
    source: `${builtIn}/ai-machine-learning#search-index-data-reader`,
  },
  searchIndexDataContributor: {
    id: '8ebe5a00-799e-43f5-93ac-243d3dce84a7',
    name: 'Search Index Data Contributor',
    actions: [],
    notActions: [],
    dataActions: ['Microsoft.Search/searchServices/indexes/documents/*'],
    notDataActions: [],
    source: `${builtIn}/ai-machine-learning#search-index-data-contributor`,
  },
  storageBlobDataOwner: {
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    name: 'Storage Blob Data Owner',
    actions: [
      'Microsoft.Storage/storageAccounts/blobServices/containers/*',
      'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
    ],
    notActions: [],
    dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'],
    notDataActions: [],
    source: `${builtIn}/storage#storage-blob-data-owner`,
  },
  storageBlobDataContributor: {
    id: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
    name: 'Storage Blob Data Contributor',
    actions: [
      'Microsoft.Storage/storageAccounts/blobServices/containers/delete',
      'Microsoft.Storage/storageAccounts/blobServices/containers/read',
      'Microsoft.Storage/storageAccounts/blobServices/containers/write',
      'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
    ],
    notActions: [],
    dataActions: [
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
    ],
    notDataActions: [],
    source: `${builtIn}/storage#storage-blob-data-contributor`,
  },
  storageQueueDataContributor: {
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    name: 'Storage Queue Data Contributor',
    actions: [
      'Microsoft.Storage/storageAccounts/queueServices/queues/delete',
      'Microsoft.Storage/storageAccounts/queueServices/queues/read',
      'Microsoft.Storage/storageAccounts/queueServices/queues/write',
    ],
    notActions: [],
    dataActions: [
      'Microsoft.Storage/storageAccounts/queueServices/queues/messages/delete',
      'Microsoft.Storage/storageAccounts/queueServices/queues/messages/read',
      'Microsoft.Storage/storageAccounts/queueServices/queues/messages/write',
      'Microsoft.Storage/storageAccounts/queueServices/queues/messages/process/action',
    ],
    notDataActions: [],
    source: `${builtIn}/storage#storage-queue-data-contributor`,
  },
  storageTableDataContributor: {
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    name: 'Storage Table Data Contributor',
    actions: [
      'Microsoft.Storage/storageAccounts/tableServices/tables/read',
      'Microsoft.Storage/storageAccounts/tableServices/tables/write',
      'Microsoft.Storage/storageAccounts/tableServices/tables/delete',
    ],
    notActions: [],
    dataActions: [
      'Microsoft.Storage/storageAccounts/tableServices/tables/entities/read',
      'Microsoft.Storage/storageAccounts/tableServices/tables/entities/write',
      'Microsoft.Storage/storageAccounts/tableServices/tables/entities/delete',
      'Microsoft.Storage/storageAccounts/tableServices/tables/entities/add/action',
      'Microsoft.Storage/storageAccounts/tableServices/tables/entities/update/action',
    ],
    notDataActions: [],
    source: `${builtIn}/storage#storage-table-data-contributor`,
  },
  serviceBusDataOwner: {
    id: '090c5cfd-751d-490a-894a-3ce6f1109419',
    name: 'Azure Service Bus Data Owner',
    actions: ['Microsoft.ServiceBus/*'],
    notActions: [],
    dataActions: ['Microsoft.ServiceBus/*'],
    notDataActions: [],
    source: `${builtIn}/integration#azure-service-bus-data-owner`,
  },
  serviceBusDataSender: {
    id: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
    name: 'Azure Service Bus Data Sender',
    actions: [
      'Microsoft.ServiceBus/*/queues/read',
      'Microsoft.ServiceBus/*/topics/read',
      'Microsoft.ServiceBus/*/topics/subscriptions/read',
    ],
    notActions: [],
    dataActions: ['Microsoft.ServiceBus/*/send/action'],
    notDataActions: [],
    source: `${builtIn}/integration#azure-service-bus-data-sender`,
  },
  serviceBusDataReceiver: {
    id: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
    name: 'Azure Service Bus Data Receiver',
    actions: [
      'Microsoft.ServiceBus/*/queues/read',
      'Microsoft.ServiceBus/*/topics/read',
      'Microsoft.ServiceBus/*/topics/subscriptions/read',
    ],
    notActions: [],
    dataActions: ['Microsoft.ServiceBus/*/receive/action'],
    notDataActions: [],
    source: `${builtIn}/integration#azure-service-bus-data-receiver`,
  },
  keyVaultSecretsUser: {
    id: '4633458b-17de-408a-b874-0445c86b69e6',
    name: 'Key Vault Secrets User',
    actions: [],
    notActions: [],
    dataActions: [
      'Microsoft.KeyVault/vaults/secrets/getSecret/action',
      'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
    ],
    notDataActions: [],
    source: `${builtIn}/security#key-vault-secrets-user`,
  },
  keyVaultSecretsOfficer: {
    id: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
    name: 'Key Vault Secrets Officer',
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
      'Microsoft.KeyVault/checkNameAvailability/read',
      'Microsoft.KeyVault/deletedVaults/read',
      'Microsoft.KeyVault/locations/*/read',
      'Microsoft.KeyVault/vaults/*/read',
      'Microsoft.KeyVault/operations/read',
    ],
    notActions: [],
    dataActions: ['Microsoft.KeyVault/vaults/secrets/*'],
    notDataActions: [],
    source: `${builtIn}/security#key-vault-secrets-officer`,
  },
  webPubSubServiceOwner: {
    id: '12cf5a90-567b-43ae-8102-96cf46c7d9b4',
    name: 'Web PubSub Service Owner',
    actions: [],
    notActions: [],
    dataActions: ['Microsoft.SignalRService/WebPubSub/*'],
    notDataActions: [],
    source: `${builtIn}/web-and-mobile#web-pubsub-service-owner`,
  },
  monitoringMetricsPublisher: {
    id: '3913510d-42f4-4e42-8a64-420c390055eb',
    name: 'Monitoring Metrics Publisher',
    actions: [
      'Microsoft.Insights/Register/Action',
      'Microsoft.Support/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
    ],
    notActions: [],
    dataActions: ['Microsoft.Insights/Metrics/Write', 'Microsoft.Insights/Telemetry/Write'],
    notDataActions: [],
    source: `${builtIn}/monitor#monitoring-metrics-publisher`,
  },
  cosmosDbOperator: {
    id: '230815da-be43-4aae-9cb4-875f7bd000aa',
    name: 'Cosmos DB Operator',
    actions: [
      'Microsoft.DocumentDb/databaseAccounts/*',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Authorization/*/read',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
      'Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action',
    ],
    notActions: [
      'Microsoft.DocumentDB/databaseAccounts/dataTransferJobs/*',
      'Microsoft.DocumentDB/databaseAccounts/readonlyKeys/*',
      'Microsoft.DocumentDB/databaseAccounts/regenerateKey/*',
      'Microsoft.DocumentDB/databaseAccounts/listKeys/*',
      'Microsoft.DocumentDB/databaseAccounts/listConnectionStrings/*',
      'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions/write',
      'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions/delete',
      'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments/write',
      'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments/delete',
      'Microsoft.DocumentDB/databaseAccounts/mongodbRoleDefinitions/write',
      'Microsoft.DocumentDB/databaseAccounts/mongodbRoleDefinitions/delete',
      'Microsoft.DocumentDB/databaseAccounts/mongodbUserDefinitions/write',
      'Microsoft.DocumentDB/databaseAccounts/mongodbUserDefinitions/delete',
    ],
    dataActions: [],
    notDataActions: [],
    source: `${builtIn}/databases#cosmos-db-operator`,
  },
  websiteContributor: {
    id: 'de139f84-1756-47ae-9be6-808fbbe84772',
    name: 'Website Contributor',
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Insights/components/*',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
      'Microsoft.Web/certificates/*',
      'Microsoft.Web/listSitesAssignedToHostName/read',
      'Microsoft.Web/serverFarms/join/action',
      'Microsoft.Web/serverFarms/read',
      'Microsoft.Web/sites/*',
    ],
    notActions: [],
    dataActions: [],
    notDataActions: [],
    source: `${builtIn}/web-and-mobile#website-contributor`,
  },
  sqlDbContributor: {
    id: '9b7fa17d-e63e-47b0-bb0a-15c516ac86ec',
    name: 'SQL DB Contributor',
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Sql/locations/*/read',
      'Microsoft.Sql/servers/databases/*',
      'Microsoft.Sql/servers/read',
      'Microsoft.Support/*',
      'Microsoft.Insights/metrics/read',
      'Microsoft.Insights/metricDefinitions/read',
    ],
    notActions: [
      'Microsoft.Sql/servers/databases/ledgerDigestUploads/write',
      'Microsoft.Sql/servers/databases/ledgerDigestUploads/disable/action',
      'Microsoft.Sql/managedInstances/databases/currentSensitivityLabels/*',
      'Microsoft.Sql/managedInstances/databases/recommendedSensitivityLabels/*',
      'Microsoft.Sql/managedInstances/databases/schemas/tables/columns/sensitivityLabels/*',
      'Microsoft.Sql/managedInstances/databases/securityAlertPolicies/*',
      'Microsoft.Sql/managedInstances/databases/sensitivityLabels/*',
      'Microsoft.Sql/managedInstances/databases/vulnerabilityAssessments/*',
      'Microsoft.Sql/managedInstances/securityAlertPolicies/*',
      'Microsoft.Sql/managedInstances/vulnerabilityAssessments/*',
      'Microsoft.Sql/servers/databases/auditingSettings/*',
      'Microsoft.Sql/servers/databases/auditRecords/read',
      'Microsoft.Sql/servers/databases/currentSensitivityLabels/*',
      'Microsoft.Sql/servers/databases/dataMaskingPolicies/*',
      'Microsoft.Sql/servers/databases/extendedAuditingSettings/*',
      'Microsoft.Sql/servers/databases/recommendedSensitivityLabels/*',
      'Microsoft.Sql/servers/databases/schemas/tables/columns/sensitivityLabels/*',
      'Microsoft.Sql/servers/databases/securityAlertPolicies/*',
      'Microsoft.Sql/servers/databases/securityMetrics/*',
      'Microsoft.Sql/servers/databases/sensitivityLabels/*',
      'Microsoft.Sql/servers/databases/vulnerabilityAssessments/*',
      'Microsoft.Sql/servers/databases/vulnerabilityAssessmentScans/*',
      'Microsoft.Sql/servers/databases/vulnerabilityAssessmentSettings/*',
      'Microsoft.Sql/servers/vulnerabilityAssessments/*',
    ],
    dataActions: [],
    notDataActions: [],
    source: `${builtIn}/databases#sql-db-contributor`,
  },
  /**
   * Cosmos DB's own data-plane RBAC (assigned with sqlRoleAssignments, not Azure role
   * assignments); its ids are per account: `<account id>/sqlRoleDefinitions/<id>`.
   */
  cosmosDbBuiltInDataContributor: {
    id: '00000000-0000-0000-0000-000000000002',
    name: 'Cosmos DB Built-in Data Contributor',
    actions: [],
    dataActions: [
      'Microsoft.DocumentDB/databaseAccounts/readMetadata',
      'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/*',
      'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*',
    ],
    source: 'https://learn.microsoft.com/azure/cosmos-db/reference-data-plane-security',
  },
  /**
   * Custom role declared in modules/role-assignments.bicep (resource group scope) in place of
   * Contributor: the permissions ACS documents for sending email as a Microsoft Entra
   * principal. Its id is `guid(resourceGroup().id, 'acs-email-sender')`, fixed per resource group.
   */
  acsEmailSender: {
    id: "guid(resourceGroup().id, 'acs-email-sender')",
    name: 'ACS Email Sender (custom)',
    actions: [
      'Microsoft.Communication/CommunicationServices/Read',
      'Microsoft.Communication/CommunicationServices/Write',
      'Microsoft.Communication/EmailServices/write',
    ],
    notActions: [],
    dataActions: [],
    notDataActions: [],
    source:
      'https://learn.microsoft.com/azure/communication-services/quickstarts/email/send-email-smtp/smtp-authentication',
  },
} satisfies Record<string, RoleDefinition>;

export type AzureRoleKey = keyof typeof azureRoles;

/**
 * Azure Cache for Redis data access policies are Redis ACL strings, not Azure roles
 * (assigned with Microsoft.Cache/redis/accessPolicyAssignments). The built-in "Data
 * Contributor" policy as Azure reports it (`az redis access-policy list`).
 */
export const redisAccessPolicies = {
  dataContributor: {
    name: 'Data Contributor',
    permissions: '+@all -@dangerous +cluster|info +cluster|nodes +cluster|slots allkeys',
    source:
      'https://learn.microsoft.com/azure/azure-cache-for-redis/cache-configure-role-based-access-control',
  },
} as const;

/**
 * Operations that are data actions (DataAction in Microsoft's resource provider operations
 * lists, learn.microsoft.com/azure/role-based-access-control/permissions/<category>), for the
 * services this deployment uses. Anything else is treated as a control-plane action.
 */
export const dataActionPatterns: string[] = [
  'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*',
  'Microsoft.Storage/storageAccounts/queueServices/queues/messages/*',
  'Microsoft.Storage/storageAccounts/tableServices/tables/entities/*',
  'Microsoft.Search/searchServices/indexes/documents/*',
  'Microsoft.ServiceBus/*/send/action',
  'Microsoft.ServiceBus/*/receive/action',
  'Microsoft.KeyVault/vaults/secrets/*/action',
  'Microsoft.KeyVault/vaults/secrets/delete',
  'Microsoft.SignalRService/WebPubSub/auth/*',
  'Microsoft.SignalRService/WebPubSub/hub/*',
  'Microsoft.SignalRService/WebPubSub/group/*',
  'Microsoft.SignalRService/WebPubSub/user/*',
  'Microsoft.SignalRService/WebPubSub/clientConnection/*',
  'Microsoft.SignalRService/WebPubSub/livetrace/*',
  'Microsoft.Insights/Metrics/Write',
  'Microsoft.Insights/Telemetry/Write',
  'Microsoft.DocumentDB/databaseAccounts/readMetadata',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/readChangeFeed',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeStoredProcedure',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/manageConflicts',
];

/**
 * Whether `role` grants `operation` (an Azure RBAC action or data action, e.g.
 * `Microsoft.Search/searchServices/indexes/documents/read`). `plane` says which list the
 * operation belongs to; by default it is `data` when the operation matches
 * `dataActionPatterns`, else `control`.
 */
export function roleAllows(role: RoleDefinition, operation: string, plane?: 'control' | 'data'): boolean {
  const matches = (patterns: readonly string[] | undefined) =>
    (patterns ?? []).some((pattern) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
          .join('.*')}$`,
        'i',
      ).test(operation),
    );
  const isData = plane ? plane === 'data' : matches(dataActionPatterns);
  return isData
    ? matches(role.dataActions) && !matches(role.notDataActions)
    : matches(role.actions) && !matches(role.notActions);
}
