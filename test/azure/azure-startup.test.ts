import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureRoles, type RoleDefinition, redisAccessPolicies, roleAllows } from '../../bicep/azure-roles';
import { type Deployment, evaluateDeployment, isResourceRef } from '../../bicep/bicep-evaluate';
import { buildAzureBundle } from '../../scripts/build-azure';
import { serviceBusOperations } from '../../shared/adapters/bus/service-bus-event-bus';
import { startLocalCosmosServer } from '../../shared/adapters/cosmos/local-cosmos-server';
import { cosmosOperations } from '../../shared/adapters/cosmos/open-product-store';
import { emailOperations } from '../../shared/adapters/email/acs-email-sender';
import { FakePaypalServer } from '../../shared/adapters/payments/paypal/fake-paypal-server';
import { FakeStripeServer } from '../../shared/adapters/payments/stripe/fake-stripe-server';
import { webPubSubOperations } from '../../shared/adapters/realtime/web-pubsub-hub';
import { AzureSearchIndex, searchOperations } from '../../shared/adapters/search/azure-search-index';
import {
  startFakeAzureSearchService,
  trustFakeCertificate,
} from '../../shared/adapters/search/testing/fake-azure-search-service';
import {
  openRelationalStore,
  postgresEntraAccess,
  postgresEntraScope,
} from '../../shared/adapters/sql/database';
import type { AzureOperation } from '../../shared/platform/azure-operations';
import { parseConfig, settingDefaults } from '../../shared/platform/config';
import { telemetryOperations } from '../../shared/platform/telemetry';
import { createTestDatabase, postgresSkipReason } from '../support/postgres';
import { selfSignedCertificate } from '../support/self-signed-certificate';
import { tempDir } from '../support/test-shop';
import { certificateFor, type EntraPostgresFront, startEntraPostgresFront } from './entra-postgres-front';

/**
 * The Azure path, proven here: the app settings, identities and roles that bicep/ gives the
 * Function App, read per parameter file, and the built bundle (dist/azure/main.mjs) started with
 * exactly those settings. Stand-ins that the real SDKs talk to run on loopback (the
 * Cosmos-compatible server, the Search fake, Redis with an ACL user whose password is a token,
 * the Stripe and PayPal fakes, an Entra-shaped JWKS, the App Service managed-identity endpoint).
 * SQL Server and Service Bus cannot run here: the bundle's connections to them are refused, and
 * start-up must not need them. With relationalEngine=postgresql the bundle also runs against the
 * machine's PostgreSQL (TEST_DATABASE_URL) behind an Entra-shaped front that requires TLS and
 * accepts only a live token the identity endpoint issued for PostgreSQL as the password.
 */

const paramFiles = ['main.dev.bicepparam', 'main.prod.bicepparam'] as const;
/** Every parameter file with each relational engine (SHOP_RELATIONAL_ENGINE; azuresql is the default). */
const engineChoices = paramFiles.flatMap((file) =>
  (['azuresql', 'postgresql'] as const).map((engine) => [file, engine] as const),
);
const deployDoc = readFileSync(path.resolve('docs/deploy.md'), 'utf8');

const tenantId = '7f2c1e4a-0000-4000-8000-00000000a11c';
const apiClientId = 'a1b2c3d4-0000-4000-8000-0000000000a1';
const spaClientId = 'a1b2c3d4-0000-4000-8000-0000000000b2';
const functionPrincipalId = 'f00dcafe-0000-4000-8000-00000000f0f0';
/** The standby region's Function App (SHOP_SECONDARY_LOCATION set): its own identity. */
const standbyPrincipalId = 'f00dcafe-0000-4000-8000-00000000f0f2';
const primaryLocation = 'westeurope';
const secondaryLocation = 'northeurope';
const issuer = `https://login.microsoftonline.com/${tenantId}/v2.0`;

/** The one product the deployment's seed and reindex steps put in Cosmos and Search. */
const bootProduct = {
  id: 'boot-product-1',
  sku: 'BOOT-1',
  name: 'Boot-test kettle',
  category: 'home',
  brand: 'Cartwheel',
  description: 'A kettle that proves the Azure path.',
  priceMinor: 2599,
  currency: 'USD',
  attributes: {},
  imageUrl: '',
};

/** Fixed deployed values for what only exists once Azure deployed it (not stand-ins). */
const deployedNames: Record<string, Record<string, string>> = {
  storage: { accountName: 'stshopboot', webHost: 'stshopboot.z6.web.core.windows.net', webSecondaryHost: '' },
  serviceBus: {
    fullyQualifiedNamespace: 'sb-shop-boot.servicebus.windows.net',
    namespaceName: 'sb-shop-boot',
  },
  sql: {
    serverFqdn: 'sql-shop-boot.database.windows.net',
    // One region: the server itself (modules/sql.bicep's listenerFqdn).
    listenerFqdn: 'sql-shop-boot.database.windows.net',
    databaseName: 'shop',
    serverName: 'sql-shop-boot',
  },
  postgresql: {
    serverName: 'psql-shop-boot',
    serverId:
      '/subscriptions/x/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-shop-boot',
    serverFqdn: 'psql-shop-boot.postgres.database.azure.com',
    // One region: the server itself (modules/postgresql.bicep's writerFqdn).
    writerFqdn: 'psql-shop-boot.postgres.database.azure.com',
    databaseName: 'shop',
    replicaId:
      '/subscriptions/x/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-shop-boot-read',
    readServerFqdn: 'psql-shop-boot-read.postgres.database.azure.com',
  },
  cosmos: { databaseName: 'shop', containerName: 'products', accountName: 'cosmos-shop-boot' },
  webPubSub: {
    endpoint: 'https://wps-shop-boot.webpubsub.azure.com',
    hubName: 'stock',
    name: 'wps-shop-boot',
  },
  email: {
    endpoint: 'https://acs-shop-boot.communication.azure.com',
    sender: 'DoNotReply@shop-boot.azurecomm.net',
    name: 'acs-shop-boot',
  },
  keyVault: { uri: 'https://kv-shop-boot.vault.azure.net/', name: 'kv-shop-boot' },
  functionApp: {
    principalId: functionPrincipalId,
    name: 'func-shop-boot',
    id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/func-shop-boot',
    defaultHostName: 'func-shop-boot-abc123.westeurope-01.azurewebsites.net',
  },
};

/**
 * With a standby region (SHOP_SECONDARY_LOCATION): the failover group's and the virtual endpoint's
 * names instead of the servers', and the standby region's own instances.
 */
const standbyNames: Record<string, Record<string, string>> = {
  ...deployedNames,
  storage: { ...deployedNames.storage!, webSecondaryHost: 'stshopboot-secondary.z6.web.core.windows.net' },
  sql: {
    ...deployedNames.sql!,
    listenerFqdn: 'fog-shop-boot.database.windows.net',
    readOnlyListenerFqdn: 'fog-shop-boot.secondary.database.windows.net',
    failoverGroupName: 'fog-shop-boot',
    partnerServerName: 'sql-shop-boot-2',
  },
  postgresql: {
    ...deployedNames.postgresql!,
    writerFqdn: 'psql-shop-boot-ve.writer.postgres.database.azure.com',
    geoReplicaName: 'psql-shop-boot-geo',
  },
  storageSecondary: {
    accountName: 'stshopboot2',
    webHost: '',
    webSecondaryHost: '',
    deploymentContainerUrl: 'https://stshopboot2.blob.core.windows.net/deployments',
  },
  serviceBusSecondary: {
    fullyQualifiedNamespace: 'sb-shop-boot-2.servicebus.windows.net',
    namespaceName: 'sb-shop-boot-2',
    namespaceId:
      '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/sb-shop-boot-2',
    topicName: 'orders',
  },
  redisSecondary: {
    url: 'rediss://redis-shop-boot-2.redis.cache.windows.net:6380',
    name: 'redis-shop-boot-2',
  },
  searchSecondary: { endpoint: 'https://srch-shop-boot-2.search.windows.net', name: 'srch-shop-boot-2' },
  webPubSubSecondary: {
    endpoint: 'https://wps-shop-boot-2.webpubsub.azure.com',
    hubName: 'stock',
    name: 'wps-shop-boot-2',
  },
  functionAppSecondary: {
    principalId: standbyPrincipalId,
    name: 'func-shop-boot-2',
    id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/func-shop-boot-2',
    defaultHostName: 'func-shop-boot-2-def456.northeurope-01.azurewebsites.net',
  },
};

/** The settings that name a regional instance: the only ones the two regions' apps differ in. */
const regionalSettings = [
  'AzureWebJobsStorage__accountName',
  'ServiceBusConnection__fullyQualifiedNamespace',
  'SERVICEBUS_NAMESPACE',
  'COSMOS_PREFERRED_REGIONS',
  'REDIS_URL',
  'SEARCH_ENDPOINT',
  'WEBPUBSUB_ENDPOINT',
  'WEBPUBSUB_HUB',
  'PG_USER',
  'SCALE_FUNCTION_APP_NAME',
];

/** Hosts the bundle may try and is refused: the two services that cannot run here, and probes Azure's SDKs make on their own. */
const expectedUnreachable = [
  /^sql-shop-boot\.database\.windows\.net:/,
  /^fog-shop-boot\.database\.windows\.net:/, // the failover group's read-write listener
  /^sb-shop-boot(-2)?\.servicebus\.windows\.net:/,
  /^wps-shop-boot\.webpubsub\.azure\.com:/,
  /^169\.254\.169\.254:/, // OpenTelemetry's Azure VM resource detector (answers only on VMs)
  /\.applicationinsights\.azure\.com:|\.monitor\.azure\.com:/, // Azure Monitor's own statsbeat
];

interface Roles {
  grants: { scopeType: string; scopeName: string; role: RoleDefinition }[];
  cosmosDataRoles: string[];
  redisPolicies: string[];
  /** PostgreSQL servers (by name) where the identity is an Entra administrator, and the role name it gets. */
  postgresAdministrators: { server: string; principalName: string; principalType: string }[];
}

function functionAppRoles(deployment: Deployment, principalId = functionPrincipalId): Roles {
  const byId = new Map(Object.values(azureRoles).map((role) => [role.id, role as RoleDefinition]));
  // Custom roles are what the deployment itself defines.
  for (const resource of deployment.resources.filter(
    (r) => r.type === 'Microsoft.Authorization/roleDefinitions',
  )) {
    for (const body of resource.bodies) {
      const properties = body.properties as {
        roleName: string;
        permissions: Omit<RoleDefinition, 'id' | 'name' | 'source'>[];
      };
      const [permissions] = properties.permissions;
      byId.set(String(body.name), {
        id: String(body.name),
        name: properties.roleName,
        source: resource.file,
        ...permissions!,
      });
    }
  }
  const grants: Roles['grants'] = [];
  const cosmosDataRoles: string[] = [];
  const redisPolicies: string[] = [];
  const postgresAdministrators: Roles['postgresAdministrators'] = [];
  for (const resource of deployment.resources) {
    for (const body of resource.bodies) {
      const properties = (body.properties ?? {}) as Record<string, unknown>;
      if (resource.type === 'Microsoft.Authorization/roleAssignments') {
        if (properties.principalId !== principalId) continue;
        const roleId = String(properties.roleDefinitionId).split('/').at(-1)!;
        const role = byId.get(roleId);
        expect(
          role,
          `${resource.file} ${resource.symbol}: role ${roleId} is not in bicep/azure-roles.ts`,
        ).toBeDefined();
        const scope = body.scope;
        expect(
          isResourceRef(scope),
          `${resource.file} ${resource.symbol} is not scoped to one resource`,
        ).toBe(true);
        grants.push({
          scopeType: isResourceRef(scope) ? scope.type : '',
          scopeName: isResourceRef(scope) ? scope.name : '',
          role: role!,
        });
      }
      if (resource.type === 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments') {
        if (properties.principalId === principalId)
          cosmosDataRoles.push(String(properties.roleDefinitionId).split('/').at(-1)!);
      }
      if (resource.type === 'Microsoft.Cache/redis/accessPolicyAssignments') {
        if (properties.objectId === principalId) redisPolicies.push(String(properties.accessPolicyName));
      }
      // An Entra administrator is named by the principal's object id.
      if (resource.type === postgresEntraAccess.resourceType && body.name === principalId) {
        postgresAdministrators.push({
          server: isResourceRef(body.parent) ? body.parent.name : String(body.parent),
          principalName: String(properties.principalName),
          principalType: String(properties.principalType),
        });
      }
    }
  }
  return { grants, cosmosDataRoles, redisPolicies, postgresAdministrators };
}

/** Every operation the Azure adapters declare: what the Function App's identity must be allowed. */
const declaredOperations: AzureOperation[] = [
  ...cosmosOperations,
  ...searchOperations,
  ...serviceBusOperations,
  ...webPubSubOperations,
  ...emailOperations,
  ...telemetryOperations,
  // The platform resolves Key Vault references with the app's identity before the app starts.
  {
    resourceType: 'Microsoft.KeyVault/vaults',
    operation: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
    when: 'startup',
    why: 'Key Vault references in app settings',
  },
];

function operatorEnvironment(
  jwksUrl: string,
  paypal: { clientId: string; webhookId: string },
  relationalEngine: 'azuresql' | 'postgresql' = 'azuresql',
): Record<string, string> {
  return {
    SHOP_RELATIONAL_ENGINE: relationalEngine,
    SHOP_ALERT_EMAIL: 'oncall@example.com',
    SHOP_SQL_ADMIN_GROUP_NAME: 'shop-sql-admins',
    SHOP_SQL_ADMIN_GROUP_ID: '0a0a0a0a-0000-4000-8000-000000000001',
    SHOP_AUTH_ISSUER: issuer,
    SHOP_AUTH_JWKS_URL: jwksUrl,
    SHOP_AUTH_API_CLIENT_ID: apiClientId,
    SHOP_AUTH_SPA_CLIENT_ID: spaClientId,
    SHOP_AUTH_AUTHORITY: `https://login.microsoftonline.com/${tenantId}`,
    SHOP_AUTH_SPA_SCOPES: `api://${apiClientId}/access_as_user`,
    SHOP_AUTH_SCOPE: 'access_as_user',
    SHOP_STRIPE_PUBLISHABLE_KEY: 'pk_test_boot',
    SHOP_PAYPAL_CLIENT_ID: paypal.clientId,
    SHOP_PAYPAL_WEBHOOK_ID: paypal.webhookId,
    SHOP_OPERATOR_IP: '',
  };
}

/**
 * main.bicep evaluated for one parameter file and engine. The site's `name` output is the name
 * main.bicep chose for it (functionAppName), so the deployment is evaluated once to learn it.
 */
function evaluateFor(
  paramFile: string,
  env: Record<string, string>,
  runtime: Record<string, Record<string, string>>,
): Deployment {
  let appName = '';
  let standbyAppName = '';
  const evaluate = () =>
    evaluateDeployment(paramFile, env, {
      moduleOutput: (module, output) => {
        if (module === 'functionApp' && output === 'name' && appName) return appName;
        if (module === 'functionAppSecondary' && output === 'name' && standbyAppName) return standbyAppName;
        const replica = env.SHOP_RELATIONAL_ENGINE === 'postgresql' && paramFile === 'main.prod.bicepparam';
        // modules/postgresql.bicep outputs blanks without a replica (dev).
        if (module === 'postgresql' && ['replicaId', 'readServerFqdn'].includes(output) && !replica)
          return '';
        return runtime[module]?.[output] ?? `<unresolved ${module}.outputs.${output}>`;
      },
    });
  const first = evaluate();
  appName = String(first.vars.functionAppName);
  standbyAppName = String(first.vars.secondaryFunctionAppName);
  return evaluate();
}

describe.each(engineChoices)(
  'the roles bicep/ gives the Function App (%s, %s) cover what every Azure adapter does',
  (paramFile, engine) => {
    const deployment = evaluateFor(
      paramFile,
      operatorEnvironment('http://127.0.0.1:1/keys', { clientId: 'c', webhookId: 'w' }, engine),
      deployedNames,
    );
    const roles = functionAppRoles(deployment);
    const settings = deployment.vars.appSettings as Record<string, string>;

    it.each(declaredOperations.map((op) => [`${op.operation} (${op.when}: ${op.why})`, op] as const))(
      '%s is granted at its resource',
      (_name, op) => {
        if (op.resourceType === 'Microsoft.DocumentDB/databaseAccounts') {
          const dataRoles = roles.cosmosDataRoles.map(
            (id) => Object.values(azureRoles).find((role) => role.id === id) as RoleDefinition,
          );
          expect(dataRoles.some((role) => role && roleAllows(role, op.operation, 'data'))).toBe(true);
          return;
        }
        const holders = roles.grants.filter(
          (grant) =>
            grant.scopeType.toLowerCase() === op.resourceType.toLowerCase() &&
            roleAllows(grant.role, op.operation),
        );
        expect(
          holders.map((grant) => grant.role.name),
          `${op.operation} on ${op.resourceType}`,
        ).not.toEqual([]);
      },
    );

    it('grants no role that no operation needs, and never Owner or Contributor', () => {
      for (const grant of roles.grants) {
        expect(['Owner', 'Contributor', 'User Access Administrator']).not.toContain(grant.role.name);
        const used = declaredOperations.some(
          (op) =>
            op.resourceType.toLowerCase() === grant.scopeType.toLowerCase() &&
            roleAllows(grant.role, op.operation),
        );
        // Host-level roles (Functions host storage) and the scale-scheduler's control-plane roles
        // are checked by name: their operations are the platform's and ARM's, not an adapter's.
        const platformRole =
          grant.scopeType === 'Microsoft.Storage/storageAccounts' ||
          ['Cosmos DB Operator', 'Website Contributor', 'SQL DB Contributor'].includes(grant.role.name);
        expect(used || platformRole, `${grant.role.name} on ${grant.scopeType} is granted but unused`).toBe(
          true,
        );
        // Without sales scaling nothing changes capacity: no control-plane role at all.
        if (deployment.params.salesScalingEnabled !== true)
          expect(['Cosmos DB Operator', 'Website Contributor', 'SQL DB Contributor']).not.toContain(
            grant.role.name,
          );
      }
    });

    it('PostgreSQL (not an Azure role): the identity is an Entra administrator of the server PG_HOST names, as the role PG_USER', () => {
      if (engine === 'azuresql') {
        expect(roles.postgresAdministrators).toEqual([]);
        expect(settings.PG_HOST).toBe('');
        return;
      }
      // What the adapter needs (shared/adapters/sql/database.ts), and what Bicep made the app.
      expect(postgresEntraScope).toBe('https://ossrdbms-aad.database.windows.net/.default');
      expect(roles.postgresAdministrators).toEqual([
        {
          server: deployedNames.postgresql!.serverName,
          principalName: settings.PG_USER,
          principalType: postgresEntraAccess.principalType,
        },
      ]);
      expect(settings.PG_USER).toBe(deployment.vars.functionAppName);
      expect(settings.PG_HOST).toBe(deployedNames.postgresql!.serverFqdn);
      // No SQL Server role of any kind when SQL is not deployed.
      expect(roles.grants.map((grant) => grant.role.name)).not.toContain(azureRoles.sqlDbContributor.name);
    });

    it('the settings parse to the chosen engine, with Entra sign-in for PostgreSQL', () => {
      const config = parseConfig(settings);
      if (engine === 'azuresql') {
        expect(config.sql.kind).toBe('mssql');
        return;
      }
      expect(config.sql).toEqual({
        kind: 'postgres-entra',
        host: deployedNames.postgresql!.serverFqdn,
        database: 'shop',
        user: deployment.vars.functionAppName,
        // Order history reads the replica in prod; dev has none and reads the primary.
        readHost: paramFile === 'main.prod.bicepparam' ? deployedNames.postgresql!.readServerFqdn : '',
      });
      for (const name of Object.keys(settings).filter((name) => /^(PG|SQL)_/.test(name))) {
        expect(settings[name], `${name} has no deployed value`).not.toMatch(/<unresolved/);
      }
      expect(settings.SQL_SERVER).toBe('');
    });

    it('Redis: the identity has a data access policy with the commands the cache sends', () => {
      expect(roles.redisPolicies).toEqual([redisAccessPolicies.dataContributor.name]);
      expect(redisAccessPolicies.dataContributor.permissions).toMatch(/\+@all/);
    });

    it('the app never needs Search Service Contributor (no index management at start-up or run time)', () => {
      const names = roles.grants.map((grant) => grant.role.name);
      expect(names).not.toContain(azureRoles.searchServiceContributor.name);
      expect(declaredOperations.map((op) => op.operation)).not.toContain(
        'Microsoft.Search/searchServices/indexes/write',
      );
    });
  },
);

describe.each(['azuresql', 'postgresql'] as const)(
  "the standby region's Function App (main.prod.bicepparam, SHOP_SECONDARY_LOCATION=northeurope, %s): same settings but its region's instances, and the same roles on them",
  (engine) => {
    const deployment = evaluateFor(
      'main.prod.bicepparam',
      {
        ...operatorEnvironment('http://127.0.0.1:1/keys', { clientId: 'c', webhookId: 'w' }, engine),
        SHOP_SECONDARY_LOCATION: secondaryLocation,
      },
      standbyNames,
    );
    const primary = deployment.vars.appSettings as Record<string, string>;
    const standby = deployment.vars.secondaryAppSettings as Record<string, string>;
    const roles = functionAppRoles(deployment, standbyPrincipalId);
    const names = standbyNames;

    it('sets the same settings as the primary, differing only in what names a regional instance', () => {
      expect(Object.keys(standby).sort()).toEqual(Object.keys(primary).sort());
      const differing = Object.keys(primary).filter((name) => primary[name] !== standby[name]);
      for (const name of differing) expect(regionalSettings, `${name} differs`).toContain(name);
      // Its own host storage, bus, cache, search and Web PubSub.
      expect(standby.AzureWebJobsStorage__accountName).toBe(names.storageSecondary!.accountName);
      expect(standby.SERVICEBUS_NAMESPACE).toBe(names.serviceBusSecondary!.fullyQualifiedNamespace);
      expect(standby.ServiceBusConnection__fullyQualifiedNamespace).toBe(
        names.serviceBusSecondary!.fullyQualifiedNamespace,
      );
      expect(standby.REDIS_URL).toBe(names.redisSecondary!.url);
      expect(standby.SEARCH_ENDPOINT).toBe(names.searchSecondary!.endpoint);
      expect(standby.WEBPUBSUB_ENDPOINT).toBe(names.webPubSubSecondary!.endpoint);
      // The shared stores: one Cosmos account, each app preferring its own region.
      expect(standby.COSMOS_ENDPOINT).toBe(primary.COSMOS_ENDPOINT);
      expect(parseConfig(primary).cosmos.preferredRegions).toEqual([primaryLocation, secondaryLocation]);
      expect(parseConfig(standby).cosmos.preferredRegions).toEqual([secondaryLocation, primaryLocation]);
      expect(standby.SCALE_FUNCTION_APP_NAME).toBe(deployment.vars.secondaryFunctionAppName);
      for (const name of regionalSettings)
        expect(standby[name], `${name} has no deployed value`).not.toMatch(/<unresolved/);
    });

    it('both apps reach the relational store through a name that follows a failover (no setting changes)', () => {
      const config = parseConfig(standby);
      if (engine === 'azuresql') {
        // The failover group's read-write listener, for both regions.
        expect(config.sql).toMatchObject({ kind: 'mssql', server: names.sql!.listenerFqdn });
        expect(primary.SQL_SERVER).toBe(names.sql!.listenerFqdn);
        const groups = deployment.resources.filter((r) => r.type === 'Microsoft.Sql/servers/failoverGroups');
        const [group] = groups.flatMap((r) => r.bodies);
        const properties = group!.properties as {
          partnerServers: { id: string }[];
          readWriteEndpoint: { failoverPolicy: string };
          readOnlyEndpoint: { failoverPolicy: string };
          databases: string[];
        };
        expect(properties.partnerServers).toHaveLength(1);
        expect(properties.partnerServers[0]!.id).toMatch(/Microsoft\.Sql\/servers\/sql-shop-prod-2-/);
        expect(properties.readWriteEndpoint.failoverPolicy).toBe('Automatic');
        expect(properties.readOnlyEndpoint.failoverPolicy).toBe('Enabled');
        expect(properties.databases).toHaveLength(1);
        return;
      }
      // PostgreSQL: the virtual endpoint's writer name; the standby signs in as its own name.
      expect(config.sql).toMatchObject({
        kind: 'postgres-entra',
        host: names.postgresql!.writerFqdn,
        user: deployment.vars.secondaryFunctionAppName,
      });
      expect(roles.postgresAdministrators).toEqual([
        {
          server: names.postgresql!.serverName,
          principalName: standby.PG_USER,
          principalType: postgresEntraAccess.principalType,
        },
      ]);
      const servers = deployment.resources
        .filter((r) => r.type === 'Microsoft.DBforPostgreSQL/flexibleServers' && !r.existing)
        .flatMap((r) => r.bodies);
      const geo = servers.find((body) => String(body.name).endsWith('-geo'));
      expect(geo?.location).toBe(secondaryLocation);
      expect(geo?.properties).toMatchObject({ createMode: 'Replica' });
    });

    it.each(declaredOperations.map((op) => [`${op.operation} (${op.when}: ${op.why})`, op] as const))(
      '%s is granted to the standby identity at its resource',
      (_name, op) => {
        if (op.resourceType === 'Microsoft.DocumentDB/databaseAccounts') {
          const dataRoles = roles.cosmosDataRoles.map(
            (id) => Object.values(azureRoles).find((role) => role.id === id) as RoleDefinition,
          );
          expect(dataRoles.some((role) => role && roleAllows(role, op.operation, 'data'))).toBe(true);
          return;
        }
        const holders = roles.grants.filter(
          (grant) =>
            grant.scopeType.toLowerCase() === op.resourceType.toLowerCase() &&
            roleAllows(grant.role, op.operation),
        );
        expect(
          holders.map((grant) => grant.role.name),
          `${op.operation} on ${op.resourceType}`,
        ).not.toEqual([]);
      },
    );

    it("regional grants are on the standby region's own instances; Redis has its data policy there", () => {
      const regional: Record<string, string> = {
        'Microsoft.Storage/storageAccounts': names.storageSecondary!.accountName!,
        'Microsoft.ServiceBus/namespaces/topics': 'orders',
        'Microsoft.Search/searchServices': names.searchSecondary!.name!,
        'Microsoft.SignalRService/webPubSub': names.webPubSubSecondary!.name!,
      };
      for (const grant of roles.grants) {
        const expected = regional[grant.scopeType];
        if (expected) expect(grant.scopeName, `${grant.role.name} on ${grant.scopeType}`).toBe(expected);
        expect(['Owner', 'Contributor', 'User Access Administrator']).not.toContain(grant.role.name);
      }
      for (const type of Object.keys(regional))
        expect(
          roles.grants.some((grant) => grant.scopeType === type),
          type,
        ).toBe(true);
      expect(roles.redisPolicies).toEqual([redisAccessPolicies.dataContributor.name]);
      const redisAssignment = deployment.resources
        .filter((r) => r.type === 'Microsoft.Cache/redis/accessPolicyAssignments')
        .flatMap((r) => r.bodies)
        .find((body) => (body.properties as { objectId?: string }).objectId === standbyPrincipalId);
      expect(isResourceRef(redisAssignment?.parent) && redisAssignment.parent.name).toBe(
        names.redisSecondary!.name,
      );
    });

    it('Front Door: the primary app at priority 1, the standby at 2, one cheap probe for both', () => {
      const origins = deployment.resources
        .filter((r) => r.type === 'Microsoft.Cdn/profiles/originGroups/origins')
        .flatMap((r) => r.bodies)
        .filter((body) => String(body.name).startsWith('function-app'))
        .map((body) => body.properties as { hostName: string; priority: number });
      expect(
        origins.map((o) => [o.hostName, o.priority]).sort((a, b) => Number(a[1]) - Number(b[1])),
      ).toEqual([
        [names.functionApp!.defaultHostName, 1],
        [names.functionAppSecondary!.defaultHostName, 2],
      ]);
      const api = deployment.resources
        .filter((r) => r.type === 'Microsoft.Cdn/profiles/originGroups')
        .flatMap((r) => r.bodies)
        .find((body) => body.name === 'api');
      expect((api!.properties as { healthProbeSettings: unknown }).healthProbeSettings).toMatchObject({
        probePath: '/api/health/live',
        probeRequestType: 'HEAD',
      });
    });
  },
);

// ---------------------------------------------------------------------------------------------
// Boot: the bundle, the settings, the stand-ins.

interface StandIns {
  close(): Promise<void>;
  msiUrl: string;
  msiSecret: string;
  redisTokens: string[];
  /** Every token the managed-identity endpoint issued, with its audience and expiry (epoch seconds). */
  issuedTokens: { resource: string; token: string; expiresOn: number }[];
  jwksUrl: string;
  signToken(
    claims: Record<string, unknown>,
    options?: { issuer?: string; audience?: string },
  ): Promise<string>;
  cosmosEndpoint: string;
  cosmosRequests: string[];
  cosmosProxy: { cut(): void; restore(): void };
  productId: string;
  search: Awaited<ReturnType<typeof startFakeAzureSearchService>>;
  searchCaFile: string;
  stripe: FakeStripeServer;
  paypal: FakePaypalServer;
  ingestion: { url: string; posts: string[] };
  redisUrl: string | undefined;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startStandIns(dir: string): Promise<StandIns> {
  const closers: Array<() => Promise<unknown>> = [];
  const redisUrl = process.env.TEST_REDIS_URL;
  const redisAdmin = redisUrl ? createClient({ url: redisUrl }) : undefined;
  await redisAdmin?.connect();
  if (redisAdmin) closers.push(() => redisAdmin.close());

  // App Service's managed-identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), as Flex
  // Consumption provides it. Tokens carry the Function App's object id. A Redis token becomes
  // the only password of the ACL user named by that object id, as Azure Cache for Redis does.
  const msiSecret = randomBytes(16).toString('hex');
  const redisTokens: string[] = [];
  const issuedTokens: StandIns['issuedTokens'] = [];
  const msi = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers['x-identity-header'] !== msiSecret) {
      res.writeHead(401).end();
      return;
    }
    const resource = url.searchParams.get('resource') ?? '';
    const isRedis = resource.startsWith('https://redis.azure.com');
    // Short-lived where the test proves renewal: Redis, and PostgreSQL's token password.
    const lifetime = isRedis || resource.startsWith('https://ossrdbms-aad.database.windows.net') ? 6 : 3600;
    const expiresOn = Math.floor(Date.now() / 1000) + lifetime;
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
      aud: resource,
      oid: functionPrincipalId,
      sub: functionPrincipalId,
      tid: tenantId,
      exp: expiresOn,
      jti: randomUUID(),
    })}.sig`;
    issuedTokens.push({ resource, token, expiresOn });
    if (isRedis && redisAdmin) {
      await redisAdmin.sendCommand([
        'ACL',
        'SETUSER',
        functionPrincipalId,
        'on',
        'resetpass',
        `>${token}`,
        '~*',
        '+@all',
      ]);
      redisTokens.push(token);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ access_token: token, expires_on: String(expiresOn), resource, token_type: 'Bearer' }),
    );
  });
  const msiUrl = `${await listen(msi)}/msi/token`;
  closers.push(() => new Promise((resolve) => msi.close(resolve)));
  if (redisAdmin) closers.push(() => redisAdmin.sendCommand(['ACL', 'DELUSER', functionPrincipalId]));

  // Entra External ID / workforce v2 issuer: a JWKS the bundle fetches, tokens signed by its key.
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'boot-key', alg: 'RS256', use: 'sig' };
  const jwks = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  const jwksUrl = `${await listen(jwks)}/${tenantId}/discovery/v2.0/keys`;
  closers.push(() => new Promise((resolve) => jwks.close(resolve)));
  const signToken: StandIns['signToken'] = (claims, options = {}) =>
    new SignJWT({ ver: '2.0', tid: tenantId, scp: 'access_as_user', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'boot-key' })
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? apiClientId)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);

  // Cosmos: the database and container exist (Bicep declares them) with one product (the seed).
  const cosmos = await startLocalCosmosServer();
  closers.push(() => cosmos.close());
  const admin = new CosmosClient({
    endpoint: cosmos.endpoint,
    key: cosmos.key,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const { database } = await admin.databases.createIfNotExists({ id: 'shop' });
  const { container } = await database.containers.createIfNotExists({
    id: 'products',
    partitionKey: { paths: ['/id'] },
  });
  const productId = bootProduct.id;
  await container.items.upsert({ ...bootProduct, available: 7 });
  // A recording HTTP proxy in front of it: what the bundle asks of Cosmos, and an outage switch.
  const cosmosRequests: string[] = [];
  let cut = false;
  const cosmosTarget = new URL(cosmos.endpoint);
  let cosmosEndpoint = '';
  // Over TLS, as Azure serves it: the Cosmos client sends no bearer token over plain http.
  const { key: cosmosKey, certificate: cosmosCertificate } = selfSignedCertificate();
  const { createServer: createHttpsServer } = await import('node:https');
  const cosmosProxy = createHttpsServer({ key: cosmosKey, cert: cosmosCertificate }, (req, res) => {
    if (cut) {
      req.socket.destroy();
      return;
    }
    cosmosRequests.push(
      `${req.method} ${req.url} ${req.headers['x-ms-documentdb-isquery'] ? 'query' : ''}`.trim(),
    );
    const upstream = http.request(
      {
        host: cosmosTarget.hostname,
        port: cosmosTarget.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (reply) => {
        if (req.url !== '/') {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
          return;
        }
        // The account names its own address as the region endpoint: name the proxy instead.
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () => {
          const body = Buffer.concat(chunks)
            .toString('utf8')
            .replaceAll(`https://${cosmosTarget.host}/`, `${cosmosEndpoint}/`);
          res.writeHead(reply.statusCode ?? 502, {
            ...reply.headers,
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  cosmosEndpoint = (await listen(cosmosProxy as unknown as http.Server)).replace('http:', 'https:');
  closers.push(
    () =>
      new Promise((resolve) => {
        cosmosProxy.closeAllConnections();
        cosmosProxy.close(resolve);
      }),
  );

  // Search: the index exists (the operator's `npm run reindex` made it at deploy time).
  const search = await startFakeAzureSearchService();
  closers.push(() => search.close());
  // The stand-ins' self-signed certificates, trusted by the bundle's process only.
  const searchCaFile = path.join(dir, 'stand-in-ca.pem');
  writeFileSync(searchCaFile, `${search.certificate}\n${cosmosCertificate}`);
  const operatorIndex = new AzureSearchIndex({
    endpoint: search.endpoint,
    indexName: 'products',
    credential: { getToken: async () => ({ token: 'operator', expiresOnTimestamp: Date.now() + 3_600_000 }) },
    clientOptions: trustFakeCertificate(search.certificate),
  });
  await operatorIndex.ensureIndex();
  await operatorIndex.upsert([bootProduct as never]);
  search.requests.length = 0;

  const stripe = await FakeStripeServer.start();
  closers.push(() => stripe.close());
  const paypal = await FakePaypalServer.start();
  closers.push(() => paypal.close());

  const posts: string[] = [];
  const ingestionServer = http.createServer((req, res) => {
    posts.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"itemsReceived":0,"itemsAccepted":0,"errors":[]}');
    });
  });
  const ingestionUrl = await listen(ingestionServer);
  closers.push(() => new Promise((resolve) => ingestionServer.close(resolve)));

  return {
    async close() {
      for (const close of closers.reverse()) await close().catch(() => {});
    },
    msiUrl,
    msiSecret,
    redisTokens,
    issuedTokens,
    jwksUrl,
    signToken,
    cosmosEndpoint,
    cosmosRequests,
    cosmosProxy: {
      cut: () => {
        cut = true;
      },
      restore: () => {
        cut = false;
      },
    },
    productId,
    search,
    searchCaFile,
    stripe,
    paypal,
    ingestion: { url: `${ingestionUrl}/`, posts },
    redisUrl,
  };
}

/** Resolves `@Microsoft.KeyVault(SecretUri=...)` as the platform does, from the secrets the operator set. */
function resolveKeyVaultReferences(settings: Record<string, string>, secrets: Record<string, string>) {
  const referenced: string[] = [];
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    const match = /^@Microsoft\.KeyVault\(SecretUri=(.+)\)$/.exec(value);
    if (!match) {
      resolved[name] = value;
      continue;
    }
    const secretName = new URL(match[1]!).pathname.split('/')[2]!;
    referenced.push(secretName);
    if (!(secretName in secrets))
      throw new Error(`${name} references secret '${secretName}', which the operator never sets`);
    resolved[name] = secrets[secretName]!;
  }
  return { resolved, referenced };
}

class Driver {
  private next = 0;
  private readonly waiting = new Map<
    number,
    (answer: { ok: boolean; result?: unknown; error?: string }) => void
  >();
  readonly ready: Promise<{ loadMs: number }>;
  output = '';

  constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk) => {
      this.output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      this.output += chunk;
    });
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: { ready?: boolean; loadMs?: number; id?: number }) => {
        if (message.ready) resolve({ loadMs: message.loadMs ?? 0 });
        else this.waiting.get(message.id!)?.(message as never);
      });
      child.on('exit', (code) =>
        reject(new Error(`the bundle exited (${code}) before it was ready:\n${this.output}`)),
      );
    });
  }

  async ask<T>(message: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    const answer = await new Promise<{ ok: boolean; result?: unknown; error?: string }>((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...message, id });
    });
    if (!answer.ok) throw new Error(answer.error);
    return answer.result as T;
  }

  http(method: string, requestPath: string, headers: Record<string, string> = {}) {
    return this.ask<{ status: number; headers: Record<string, string>; body: string; function: string }>({
      op: 'http',
      method,
      path: requestPath,
      headers,
    });
  }

  stop() {
    this.child.kill('SIGKILL');
  }
}

let bundleDir = '';
beforeAll(async () => {
  bundleDir = await tempDir('azure-boot-');
  await buildAzureBundle(bundleDir);
  // Where @azure/functions looks for the worker's module: a recorder (test/azure/boot-driver.mjs).
  const core = path.join(bundleDir, 'node_modules', '@azure', 'functions-core');
  const fs = await import('node:fs/promises');
  await fs.mkdir(core, { recursive: true });
  await fs.writeFile(
    path.join(core, 'package.json'),
    JSON.stringify({ name: '@azure/functions-core', main: 'index.js' }),
  );
  await fs.writeFile(path.join(core, 'index.js'), 'module.exports = globalThis.__recordingFunctionsCore;\n');
}, 120_000);

/** Each parameter file's app, and the standby region's app of prod (SHOP_SECONDARY_LOCATION set). */
const bootCases = [
  { paramFile: 'main.dev.bicepparam', region: 'primary' },
  { paramFile: 'main.prod.bicepparam', region: 'primary' },
  { paramFile: 'main.prod.bicepparam', region: 'standby' },
] as const;

describe.each(bootCases)(
  'Azure-shaped start-up ($paramFile, $region region): the built bundle with the settings Bicep writes, against loopback stand-ins; SQL Server and Service Bus are unreachable here (no fake), and start-up does not need them',
  ({ paramFile, region }) => {
    const standby = region === 'standby';
    let standIns: StandIns;
    let driver: Driver;
    let settings: Record<string, string>;
    let deployment: Deployment;
    let referencedSecrets: string[] = [];

    beforeAll(async () => {
      const dir = await tempDir('azure-boot-run-');
      standIns = await startStandIns(dir);
      const env = {
        ...operatorEnvironment(standIns.jwksUrl, standIns.paypal),
        ...(standby ? { SHOP_SECONDARY_LOCATION: secondaryLocation } : {}),
      };
      const redisStandIn = {
        url: standIns.redisUrl ?? 'redis://127.0.0.1:1',
        hostName: '127.0.0.1',
      };
      const runtime: Record<string, Record<string, string>> = {
        ...(standby ? standbyNames : deployedNames),
        cosmos: { ...deployedNames.cosmos!, endpoint: `${standIns.cosmosEndpoint}/` },
        search: { endpoint: standIns.search.endpoint, name: 'srch-shop-boot' },
        redis: { ...redisStandIn, name: 'redis-shop-boot' },
        // The standby region's own cache and search service are the same stand-ins here.
        searchSecondary: { endpoint: standIns.search.endpoint, name: 'srch-shop-boot-2' },
        redisSecondary: { ...redisStandIn, name: 'redis-shop-boot-2' },
        monitoring: {
          connectionString: `InstrumentationKey=${randomUUID()};IngestionEndpoint=${standIns.ingestion.url};LiveEndpoint=${standIns.ingestion.url}`,
          appInsightsName: 'appi-shop-boot',
        },
      };
      deployment = evaluateDeployment(paramFile, env, {
        moduleOutput: (module, output) =>
          runtime[module]?.[output] ?? `<unresolved ${module}.outputs.${output}>`,
      });
      const appSettings = deployment.vars[standby ? 'secondaryAppSettings' : 'appSettings'] as Record<
        string,
        unknown
      >;
      const asStrings = Object.fromEntries(Object.entries(appSettings).map(([k, v]) => [k, String(v)]));
      // External APIs the settings name are answered by their loopback fakes.
      const redirects: Record<string, string> = {
        'https://api.stripe.com': standIns.stripe.url,
        'https://api-m.paypal.com': standIns.paypal.url,
        'https://api-m.sandbox.paypal.com': standIns.paypal.url,
      };
      for (const [name, value] of Object.entries(asStrings))
        if (value in redirects) asStrings[name] = redirects[value]!;
      const { resolved, referenced } = resolveKeyVaultReferences(asStrings, {
        'stripe-secret-key': standIns.stripe.secretKey,
        'stripe-webhook-secret': standIns.stripe.webhookSecret,
        'paypal-client-secret': standIns.paypal.clientSecret,
      });
      settings = resolved;
      referencedSecrets = referenced;
      const child = fork(path.resolve('test/azure/boot-driver.mjs'), [bundleDir], {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          PATH: process.env.PATH ?? '',
          ...settings,
          // What the platform adds on every Flex Consumption instance.
          IDENTITY_ENDPOINT: standIns.msiUrl,
          IDENTITY_HEADER: standIns.msiSecret,
          WEBSITE_SITE_NAME: standby
            ? standbyNames.functionAppSecondary!.name!
            : deployedNames.functionApp!.name!,
          // The Search fake's self-signed certificate; Azure's is publicly trusted.
          NODE_EXTRA_CA_CERTS: standIns.searchCaFile,
        },
      });
      driver = new Driver(child);
      await driver.ready;
    }, 120_000);

    afterAll(async () => {
      driver?.stop();
      await standIns?.close();
    });

    it('sets only settings something reads, and every one the Azure path needs; they parse', () => {
      const platform = [
        'AzureWebJobsStorage__accountName',
        'ServiceBusConnection__fullyQualifiedNamespace',
        'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
      ];
      for (const name of Object.keys(settings)) {
        expect(
          name in settingDefaults || platform.includes(name),
          `${name} is written but nothing reads it`,
        ).toBe(true);
        expect(settings[name], `${name} has no deployed value`).not.toMatch(/<unresolved|<[a-z]+\.[a-z]/i);
      }
      const config = parseConfig(settings);
      // Blank means "the local twin": none may be blank in Azure.
      expect(config.cosmos.endpoint).not.toBe('');
      expect(config.sql.kind).toBe('mssql');
      expect(config.redisUrl).not.toBe('');
      expect(config.redisAuth).toBe('entra');
      expect(config.serviceBusNamespace).not.toBe('');
      expect(config.search.endpoint).not.toBe('');
      expect(config.realtime.webPubSubEndpoint).not.toBe('');
      expect(config.email.endpoint).not.toBe('');
      expect(config.auth.issuer).toBe(issuer);
      expect(config.auth.audience, 'Entra v2 access tokens carry the API client id as aud').toBe(apiClientId);
      expect(config.auth.spa.clientId).toBe(spaClientId);
      expect(config.auth.spa.authority).not.toBe('');
      expect(config.auth.spa.scopes.length).toBeGreaterThan(0);
      expect(config.payments.stripeApiBase).not.toBe('');
      expect(config.payments.paypalApiBase).not.toBe('');
      expect(config.payments.paypalWebhookId, 'PayPal webhook signatures need the webhook id').not.toBe('');
      expect(config.appInsightsConnectionString).not.toBe('');
      // The standby region's app: its own bus namespace, and Cosmos DB read in its own region first.
      if (standby) {
        expect(config.serviceBusNamespace).toBe(standbyNames.serviceBusSecondary!.fullyQualifiedNamespace);
        expect(config.cosmos.preferredRegions).toEqual([secondaryLocation, primaryLocation]);
        expect(config.sql).toMatchObject({ kind: 'mssql', server: standbyNames.sql!.listenerFqdn });
      }
    });

    it('every environment variable the parameter file reads and every Key Vault secret is in docs/deploy.md', () => {
      for (const name of deployment.environmentRead) expect(deployDoc, name).toContain(name);
      for (const secret of referencedSecrets) expect(deployDoc, secret).toContain(secret);
    });

    it('registers every function with the worker, the Service Bus triggers on the identity-based connection', async () => {
      const registered = await driver.ask<
        { name: string; bindings: Record<string, Record<string, unknown>> }[]
      >({
        op: 'registrations',
      });
      const names = registered.map((r) => r.name);
      expect(names).toContain('health-live');
      expect(names).not.toContain('dev-token');
      const triggers = registered
        .flatMap((r) => Object.values(r.bindings))
        .filter((b) => b.type === 'serviceBusTrigger');
      expect(triggers.length).toBe(3);
      for (const trigger of triggers)
        expect(`${trigger.connection}__fullyQualifiedNamespace` in settings).toBe(true);
    });

    it('starts telemetry as the entry loads, before any invocation (timer and bus instances report too)', async () => {
      for (let i = 0; i < 100; i++) {
        const { telemetry } = await driver.ask<{ telemetry: { meterProvider: boolean } }>({ op: 'state' });
        if (telemetry.meterProvider) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { telemetry } = await driver.ask<{ telemetry: { meterProvider: boolean } }>({ op: 'state' });
      expect(telemetry.meterProvider).toBe(true);
    });

    it('a start that fails (Cosmos unreachable) is retried with backoff, says why, and recovers by itself', async () => {
      standIns.cosmosProxy.cut();
      const first = await driver.http('GET', '/api/health/live');
      expect(first.status).toBe(503);
      expect(JSON.parse(first.body)).toMatchObject({ state: 'failed', attempt: 1 });
      const product = await driver.http('GET', `/api/products/${standIns.productId}`);
      expect(product.status).toBe(503);
      expect(JSON.parse(product.body).code).toBe('not_ready');
      expect(product.headers['retry-after']).toBeDefined();
      standIns.cosmosProxy.restore();
      let live = first;
      for (let i = 0; i < 40 && live.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        live = await driver.http('GET', '/api/health/live');
      }
      expect(live.status, `${live.body}\n${driver.output.slice(-3000)}`).toBe(200);
      expect(JSON.parse(live.body)).toEqual({ state: 'ready' });
    }, 30_000);

    it('reads Cosmos with the managed identity, asking only what its data role allows (the product page also needs SQL, not here)', async () => {
      await driver.http('GET', `/api/products/${standIns.productId}`);
      const operations = standIns.cosmosRequests.map(cosmosOperation);
      expect(operations).toContain('Microsoft.DocumentDB/databaseAccounts/readMetadata');
      expect(operations).not.toContain('unknown');
      for (const operation of operations) {
        expect(
          roleAllows(azureRoles.cosmosDbBuiltInDataContributor as RoleDefinition, operation, 'data'),
          operation,
        ).toBe(true);
      }
    });

    it('searches with the data role only: no index is created or changed at start-up or after', async () => {
      // A query of its own: a cached answer (Redis is shared between runs) would ask Search nothing.
      const response = await driver.http('GET', `/api/search?q=kettle+${randomBytes(4).toString('hex')}`);
      expect(response.status, response.body).toBe(200);
      const asked = standIns.search.requests.map((request) => searchOperation(request.method, request.path));
      expect(asked.length).toBeGreaterThan(0);
      for (const operation of asked) {
        expect(
          searchOperations.map((op) => op.operation),
          `${operation} is not declared`,
        ).toContain(operation);
        expect(
          roleAllows(azureRoles.searchIndexDataContributor as RoleDefinition, operation),
          operation,
        ).toBe(true);
      }
    });

    it('accepts an Entra v2 access token (aud = the API client id; a shopper then gets 403 on an admin route); refuses another audience, issuer or tenant with 401', async () => {
      const oid = randomUUID();
      const good = await standIns.signToken({
        oid,
        sub: oid,
        name: 'Ada',
        preferred_username: 'ada@example.com',
      });
      // Authenticated, then refused for want of a role: the route that proves it without SQL.
      const shopper = await driver.http('GET', '/api/admin/dead-letters', {
        authorization: `Bearer ${good}`,
      });
      expect(shopper.status, shopper.body).toBe(403);
      expect(JSON.parse(shopper.body).code).toBe('forbidden');
      // /me records the user in SQL, which is not reachable here: anything but 401.
      const me = await driver.http('GET', '/api/me', { authorization: `Bearer ${good}` });
      expect(me.status, me.body).not.toBe(401);
      for (const options of [
        { audience: 'storefront-api' },
        { audience: `api://${randomUUID()}` },
        { issuer: 'https://login.microsoftonline.com/99999999-0000-4000-8000-000000000000/v2.0' },
        { issuer: `https://sts.windows.net/${tenantId}/` },
      ]) {
        const bad = await standIns.signToken({ oid, sub: oid }, options);
        const refused = await driver.http('GET', '/api/me', { authorization: `Bearer ${bad}` });
        expect(refused.status, JSON.stringify(options)).toBe(401);
      }
    });

    it.skipIf(!process.env.TEST_REDIS_URL)(
      'signs in to Redis as its object id with a token, and keeps working after the token is renewed (TEST_REDIS_URL)',
      async () => {
        await driver.http('GET', `/api/products/${standIns.productId}`);
        const admin = createClient({ url: process.env.TEST_REDIS_URL });
        await admin.connect();
        try {
          const clients = String(await admin.sendCommand(['CLIENT', 'LIST']));
          expect(clients).toContain(`user=${functionPrincipalId}`);
          // Tokens live 6 s here; the provider renews at 80% and re-authenticates.
          for (let i = 0; i < 60 && standIns.redisTokens.length < 2; i++)
            await new Promise((resolve) => setTimeout(resolve, 250));
          expect(standIns.redisTokens.length).toBeGreaterThanOrEqual(2);
          const health = await driver.http('GET', '/api/health');
          expect(JSON.parse(health.body).dependencies.cache.status).toBe('up');
        } finally {
          await admin.close();
        }
      },
      30_000,
    );

    it('health: live is cheap and ready; the deep check shows SQL unreachable here and the rest up', async () => {
      const live = await driver.http('GET', '/api/health/live');
      expect(live.status).toBe(200);
      const deep = await driver.http('GET', '/api/health');
      const report = JSON.parse(deep.body);
      expect(deep.status).toBe(503);
      expect(report.dependencies.sql.status).toBe('down');
      expect(report.dependencies.products.status).toBe('up');
      expect(report.dependencies.bus.detail).toBe('Azure Service Bus');
      const { blocked } = await driver.ask<{ blocked: string[] }>({ op: 'state' });
      for (const host of blocked) {
        expect(
          expectedUnreachable.some((pattern) => pattern.test(host)),
          `unexpected outbound connection to ${host}`,
        ).toBe(true);
      }
    });
  },
);

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  `Azure-shaped start-up with relationalEngine=postgresql (main.prod.bicepparam): the bundle signs in to PostgreSQL with its Entra token as the password, over TLS, primary and read replica (the machine's PostgreSQL behind an Entra-shaped front; TEST_DATABASE_URL)${
    process.env.TEST_DATABASE_URL ? '' : ` (skipped: ${postgresSkipReason})`
  }`,
  () => {
    const paramFile = 'main.prod.bicepparam';
    const postgresResource = 'https://ossrdbms-aad.database.windows.net';
    let standIns: StandIns;
    let driver: Driver;
    let settings: Record<string, string>;
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let primary: EntraPostgresFront;
    let replica: EntraPostgresFront;

    /** A password the front accepts: a live token the identity endpoint issued for PostgreSQL. */
    const validToken = (password: string) =>
      standIns.issuedTokens.some(
        (issued) =>
          issued.token === password &&
          issued.resource === postgresResource &&
          issued.expiresOn > Date.now() / 1000,
      );

    beforeAll(async () => {
      database = await createTestDatabase();
      // The operator's `npm run migrate` (docs/deploy.md, step 4), here as the machine's superuser.
      const operator = await openRelationalStore(
        { kind: 'postgres', url: database!.url, readUrl: '' },
        { migrate: true },
      );
      await operator.close();
      const dir = await tempDir('azure-boot-pg-');
      standIns = await startStandIns(dir);
      // Two addresses of their own in 127.0.0.0/8, both on 5432 as Azure's servers are.
      const net = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}`;
      const certificate = certificateFor([`${net}.1`, `${net}.2`]);
      const upstream = new URL(database!.url);
      const front = (host: string) =>
        startEntraPostgresFront({
          host,
          certificate,
          upstream: {
            host: upstream.hostname,
            port: Number(upstream.port || 5432),
            user: decodeURIComponent(upstream.username),
            database: upstream.pathname.slice(1),
          },
          accept: (_user, password) => validToken(password),
        });
      primary = await front(`${net}.1`);
      replica = await front(`${net}.2`);
      const caFile = path.join(dir, 'stand-ins-and-postgres-ca.pem');
      writeFileSync(caFile, `${readFileSync(standIns.searchCaFile, 'utf8')}\n${certificate.certificate}`);

      const env = operatorEnvironment(standIns.jwksUrl, standIns.paypal, 'postgresql');
      const deployment = evaluateFor(paramFile, env, {
        ...deployedNames,
        postgresql: {
          ...deployedNames.postgresql!,
          serverFqdn: primary.host,
          writerFqdn: primary.host,
          readServerFqdn: replica.host,
        },
        cosmos: { ...deployedNames.cosmos!, endpoint: `${standIns.cosmosEndpoint}/` },
        search: { endpoint: standIns.search.endpoint, name: 'srch-shop-boot' },
        redis: {
          url: standIns.redisUrl ?? 'redis://127.0.0.1:1',
          name: 'redis-shop-boot',
          hostName: '127.0.0.1',
        },
        monitoring: {
          connectionString: `InstrumentationKey=${randomUUID()};IngestionEndpoint=${standIns.ingestion.url};LiveEndpoint=${standIns.ingestion.url}`,
          appInsightsName: 'appi-shop-boot',
        },
      });
      const appSettings = deployment.vars.appSettings as Record<string, unknown>;
      const asStrings = Object.fromEntries(Object.entries(appSettings).map(([k, v]) => [k, String(v)]));
      for (const [name, value] of Object.entries(asStrings)) {
        if (value === 'https://api.stripe.com') asStrings[name] = standIns.stripe.url;
        if (value === 'https://api-m.paypal.com') asStrings[name] = standIns.paypal.url;
      }
      settings = resolveKeyVaultReferences(asStrings, {
        'stripe-secret-key': standIns.stripe.secretKey,
        'stripe-webhook-secret': standIns.stripe.webhookSecret,
        'paypal-client-secret': standIns.paypal.clientSecret,
      }).resolved;
      const child = fork(path.resolve('test/azure/boot-driver.mjs'), [bundleDir], {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          PATH: process.env.PATH ?? '',
          ...settings,
          IDENTITY_ENDPOINT: standIns.msiUrl,
          IDENTITY_HEADER: standIns.msiSecret,
          WEBSITE_SITE_NAME: String(deployment.vars.functionAppName),
          NODE_EXTRA_CA_CERTS: caFile,
        },
      });
      driver = new Driver(child);
      await driver.ready;
    }, 120_000);

    afterAll(async () => {
      driver?.stop();
      await primary?.close();
      await replica?.close();
      await standIns?.close();
      await database?.drop();
    });

    it('the settings are the PostgreSQL ones, and SQL Server is not configured', () => {
      expect(settings.PG_HOST).toBe(primary.host);
      expect(settings.PG_READ_HOST).toBe(replica.host);
      expect(settings.SQL_SERVER).toBe('');
      expect(parseConfig(settings).sql.kind).toBe('postgres-entra');
    });

    it('health: the database is up, reached as PG_USER with a live Entra token for PostgreSQL as the password, over TLS', async () => {
      const deep = await driver.http('GET', '/api/health');
      const report = JSON.parse(deep.body);
      expect(report.dependencies.sql.status, deep.body).toBe('up');
      expect(primary.sessions.length).toBeGreaterThan(0);
      for (const session of primary.sessions) {
        expect(session).toMatchObject({ user: settings.PG_USER, database: 'shop', accepted: true });
        const token = standIns.issuedTokens.find((issued) => issued.token === session.password);
        expect(token?.resource, 'the password is a token the identity endpoint issued').toBe(
          postgresResource,
        );
        const claims = JSON.parse(Buffer.from(session.password.split('.')[1]!, 'base64url').toString('utf8'));
        expect(claims.oid).toBe(functionPrincipalId);
      }
      // The front refuses anything else: a wrong password is a failed sign-in.
      expect(validToken('not-a-token')).toBe(false);
    });

    it('order history reads the replica (PG_READ_HOST), signed in the same way', async () => {
      const oid = randomUUID();
      const token = await standIns.signToken({
        oid,
        sub: oid,
        name: 'Ada',
        preferred_username: 'ada@example.com',
      });
      const orders = await driver.http('GET', '/api/orders', { authorization: `Bearer ${token}` });
      expect(orders.status, orders.body).toBe(200);
      expect(replica.sessions.filter((session) => session.accepted).length).toBeGreaterThan(0);
      for (const session of replica.sessions) expect(session.user).toBe(settings.PG_USER);
    });

    it('keeps signing in after its token expired: new connections carry a renewed token', async () => {
      // Tokens live 6 s here; pg closes idle connections after 10 s, so the next query opens a
      // new one, whose password must be a token issued after the first expired.
      const first = primary.sessions[0]!;
      const firstExpiry = standIns.issuedTokens.find((issued) => issued.token === first.password)!.expiresOn;
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      const deep = await driver.http('GET', '/api/health');
      expect(JSON.parse(deep.body).dependencies.sql.status, deep.body).toBe('up');
      const later = primary.sessions.at(-1)!;
      expect(later.accepted).toBe(true);
      expect(later.password).not.toBe(first.password);
      const laterExpiry = standIns.issuedTokens.find((issued) => issued.token === later.password)!.expiresOn;
      expect(laterExpiry).toBeGreaterThan(firstExpiry);
      expect(primary.sessions.every((session) => session.accepted)).toBe(true);
    }, 30_000);
  },
);

/** Cosmos REST request -> the data action it needs (reference-data-plane-security). */
function cosmosOperation(request: string): string {
  const [method, url = '', query] = request.split(' ');
  const pathname = url.split('?')[0]!;
  const base = 'Microsoft.DocumentDB/databaseAccounts';
  if (/^\/?$/.test(pathname)) return `${base}/readMetadata`;
  if (/^\/dbs\/[^/]+(\/colls\/[^/]+(\/pkranges)?)?\/?$/.test(pathname) && method === 'GET')
    return `${base}/readMetadata`;
  if (/\/colls\/[^/]+\/docs\/?$/.test(pathname) && method === 'POST')
    return query
      ? `${base}/sqlDatabases/containers/executeQuery`
      : `${base}/sqlDatabases/containers/items/create`;
  if (/\/colls\/[^/]+\/docs\/[^/]+$/.test(pathname)) {
    const verb = { GET: 'read', PUT: 'replace', DELETE: 'delete', PATCH: 'upsert' }[method ?? ''];
    if (verb) return `${base}/sqlDatabases/containers/items/${verb}`;
  }
  return 'unknown';
}

/** Search REST request -> the data action (or index management action) it needs. */
function searchOperation(method: string, requestPath: string): string {
  const documents = 'Microsoft.Search/searchServices/indexes/documents';
  if (/^\/indexes\('[^']+'\)\/docs\/search\.(post\.)?(search|suggest|autocomplete)/.test(requestPath))
    return `${documents}/read`;
  if (/^\/indexes\('[^']+'\)\/docs(\/\$count|\('[^']+'\))?$/.test(requestPath) && method === 'GET')
    return `${documents}/read`;
  if (/^\/indexes\('[^']+'\)\/docs\/search\.index$/.test(requestPath)) return `${documents}/write`;
  if (/^\/indexes/.test(requestPath))
    return `Microsoft.Search/searchServices/indexes/${method === 'GET' ? 'read' : 'write'}`;
  return `unknown ${method} ${requestPath}`;
}
