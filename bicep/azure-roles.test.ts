import { describe, expect, it } from 'vitest';
import { azureRoles, type RoleDefinition, redisAccessPolicies, roleAllows } from './azure-roles';

const roles: Record<string, RoleDefinition> = azureRoles;

describe('azure-roles table', () => {
  it('every built-in role has a GUID id, a name, a Microsoft source and no empty pattern', () => {
    for (const [key, role] of Object.entries(roles)) {
      if (key !== 'acsEmailSender') {
        expect(role.id, key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      }
      expect(role.name, key).not.toBe('');
      expect(role.source, key).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      for (const pattern of [
        ...role.actions,
        ...(role.notActions ?? []),
        ...role.dataActions,
        ...(role.notDataActions ?? []),
      ]) {
        expect(pattern.trim(), key).not.toBe('');
      }
    }
  });

  it('role ids are unique', () => {
    const ids = Object.values(roles).map((role) => role.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps the Redis Data Contributor policy as its ACL string', () => {
    expect(redisAccessPolicies.dataContributor.permissions).toContain('-@dangerous');
    expect(redisAccessPolicies.dataContributor.permissions).toMatch(/allkeys$/);
  });
});

describe('roleAllows', () => {
  it('matches exact operations, case-insensitively', () => {
    const reader = azureRoles.searchIndexDataReader;
    expect(roleAllows(reader, 'Microsoft.Search/searchServices/indexes/documents/read')).toBe(true);
    expect(roleAllows(reader, 'microsoft.search/SEARCHSERVICES/indexes/documents/READ')).toBe(true);
    expect(roleAllows(reader, 'Microsoft.Search/searchServices/indexes/documents/write')).toBe(false);
  });

  it('a trailing * covers everything below it', () => {
    const contributor = azureRoles.searchIndexDataContributor;
    expect(roleAllows(contributor, 'Microsoft.Search/searchServices/indexes/documents/read')).toBe(true);
    expect(roleAllows(contributor, 'Microsoft.Search/searchServices/indexes/documents/write')).toBe(true);
    expect(roleAllows(contributor, 'Microsoft.Search/searchServices/indexes/documents/delete')).toBe(true);
    // Document rights are not index management.
    expect(roleAllows(contributor, 'Microsoft.Search/searchServices/indexes/write')).toBe(false);
  });

  it('a * in the middle matches any run of segments', () => {
    const sender = azureRoles.serviceBusDataSender;
    expect(roleAllows(sender, 'Microsoft.ServiceBus/namespaces/messages/send/action')).toBe(true);
    expect(roleAllows(sender, 'Microsoft.ServiceBus/namespaces/messages/receive/action')).toBe(false);
    expect(roleAllows(sender, 'Microsoft.ServiceBus/namespaces/topics/read')).toBe(true);
    expect(roleAllows(sender, 'Microsoft.ServiceBus/namespaces/topics/write')).toBe(false);
  });

  it('notActions subtract from actions', () => {
    const contributor = azureRoles.contributor;
    expect(roleAllows(contributor, 'Microsoft.Web/sites/config/write')).toBe(true);
    expect(roleAllows(contributor, 'Microsoft.Authorization/roleAssignments/write')).toBe(false);
    expect(roleAllows(contributor, 'Microsoft.Authorization/roleAssignments/read')).toBe(true);
    expect(roleAllows(azureRoles.owner, 'Microsoft.Authorization/roleAssignments/write')).toBe(true);
    const operator = azureRoles.cosmosDbOperator;
    expect(
      roleAllows(
        operator,
        'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/throughputSettings/write',
      ),
    ).toBe(true);
    expect(roleAllows(operator, 'Microsoft.DocumentDB/databaseAccounts/listKeys/action')).toBe(false);
  });

  it('notDataActions subtract from dataActions', () => {
    const role: RoleDefinition = {
      id: 'test',
      name: 'test',
      actions: [],
      dataActions: ['Microsoft.KeyVault/vaults/secrets/*'],
      notDataActions: ['Microsoft.KeyVault/vaults/secrets/delete'],
      source: 'https://learn.microsoft.com/',
    };
    expect(roleAllows(role, 'Microsoft.KeyVault/vaults/secrets/getSecret/action')).toBe(true);
    expect(roleAllows(role, 'Microsoft.KeyVault/vaults/secrets/delete')).toBe(false);
  });

  it('control-plane actions never grant data actions (Contributor reads no document, no secret)', () => {
    const { contributor, owner, searchServiceContributor, cosmosDbOperator, websiteContributor } = azureRoles;
    for (const role of [contributor, owner, searchServiceContributor]) {
      expect(roleAllows(role, 'Microsoft.Search/searchServices/indexes/documents/read'), role.name).toBe(
        false,
      );
    }
    expect(roleAllows(contributor, 'Microsoft.KeyVault/vaults/secrets/getSecret/action')).toBe(false);
    expect(roleAllows(owner, 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read')).toBe(
      false,
    );
    expect(
      roleAllows(
        cosmosDbOperator,
        'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read',
      ),
    ).toBe(false);
    expect(roleAllows(websiteContributor, 'Microsoft.Web/sites/config/write')).toBe(true);
    // Index management is control plane: Search Service Contributor has it.
    expect(roleAllows(searchServiceContributor, 'Microsoft.Search/searchServices/indexes/write')).toBe(true);
  });

  it('data actions grant no control-plane action', () => {
    expect(roleAllows(azureRoles.keyVaultSecretsUser, 'Microsoft.KeyVault/vaults/secrets/read')).toBe(false);
    expect(
      roleAllows(azureRoles.keyVaultSecretsUser, 'Microsoft.KeyVault/vaults/secrets/getSecret/action'),
    ).toBe(true);
    expect(
      roleAllows(
        azureRoles.storageBlobDataOwner,
        'Microsoft.Storage/storageAccounts/blobServices/containers/write',
      ),
    ).toBe(true);
  });

  it('an explicit plane overrides the inference', () => {
    const owner = azureRoles.serviceBusDataOwner;
    expect(roleAllows(owner, 'Microsoft.ServiceBus/namespaces/topics/subscriptions/read', 'data')).toBe(true);
    expect(
      roleAllows(azureRoles.serviceBusDataReceiver, 'Microsoft.ServiceBus/namespaces/topics/read', 'data'),
    ).toBe(false);
    expect(
      roleAllows(azureRoles.serviceBusDataReceiver, 'Microsoft.ServiceBus/namespaces/topics/read', 'control'),
    ).toBe(true);
  });

  it('the Cosmos data-plane role covers items and queries, and the Web PubSub owner its REST API', () => {
    const cosmos = azureRoles.cosmosDbBuiltInDataContributor;
    expect(roleAllows(cosmos, 'Microsoft.DocumentDB/databaseAccounts/readMetadata')).toBe(true);
    expect(
      roleAllows(cosmos, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/upsert'),
    ).toBe(true);
    expect(
      roleAllows(cosmos, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery'),
    ).toBe(true);
    expect(
      roleAllows(azureRoles.webPubSubServiceOwner, 'Microsoft.SignalRService/WebPubSub/group/send/action'),
    ).toBe(true);
    expect(roleAllows(azureRoles.webPubSubServiceOwner, 'Microsoft.SignalRService/WebPubSub/write')).toBe(
      false,
    );
  });

  it('the custom ACS role sends email but is not Contributor', () => {
    const sender = azureRoles.acsEmailSender;
    expect(roleAllows(sender, 'Microsoft.Communication/EmailServices/write')).toBe(true);
    expect(roleAllows(sender, 'Microsoft.Communication/CommunicationServices/Read')).toBe(true);
    expect(roleAllows(sender, 'Microsoft.Communication/CommunicationServices/delete')).toBe(false);
    expect(roleAllows(sender, 'Microsoft.Communication/CommunicationServices/listKeys/action')).toBe(false);
  });

  it('treats regex characters in patterns literally', () => {
    const role: RoleDefinition = {
      id: 'x',
      name: 'x',
      actions: ['Microsoft.Web/sites/read'],
      dataActions: [],
      source: 'https://learn.microsoft.com/',
    };
    expect(roleAllows(role, 'MicrosoftXWeb/sites/read')).toBe(false);
    expect(roleAllows(role, 'Microsoft.Web/sites/reads')).toBe(false);
  });
});
