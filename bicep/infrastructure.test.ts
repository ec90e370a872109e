import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresEntraScope } from '../shared/adapters/sql/database';
import { replayProperties } from '../shared/messaging/dead-letters.port';
import { shopTopology } from '../shared/messaging/event-bus.port';
import { settingDefaults } from '../shared/platform/config';
import { parseCalendar } from '../shared/scaling/sales-calendar';
import { azureRoles } from './azure-roles';
import {
  type EvaluatedResource,
  evaluateDeployment,
  evaluateParamFile,
  isResourceRef,
} from './bicep-evaluate';
import {
  type BicepResource,
  type BicepValue,
  bicepDir,
  isExpr,
  loadBicepFiles,
  loadParamFile,
  parseBicep,
  syntaxProblems,
} from './bicep-model';

const files = loadBicepFiles();
const files_ = files;
const main = files.get('main.bicep')!;
const declared = [...files.values()].flatMap((file) =>
  file.resources.filter((resource) => !resource.existing),
);

function resourcesOf(type: string): BicepResource[] {
  return declared.filter((resource) => resource.type === type);
}

function only(type: string): BicepResource {
  const found = resourcesOf(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

function get(value: BicepValue | undefined, ...keys: string[]): BicepValue | undefined {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || isExpr(current))
      return undefined;
    current = (current as Record<string, BicepValue>)[key];
  }
  return current;
}

function text(value: BicepValue | undefined): string {
  return isExpr(value) ? value.expr : JSON.stringify(value);
}

const params = {
  dev: loadParamFile('main.dev.bicepparam'),
  prod: loadParamFile('main.prod.bicepparam'),
};

describe('Bicep syntax (tree-sitter-bicep; no Bicep CLI here)', () => {
  it.each([...files.keys()])('%s parses with no ERROR or MISSING node', (file) => {
    expect(syntaxProblems(files.get(file)!.tree)).toEqual([]);
  });

  it('the check catches broken Bicep (negative control)', () => {
    expect(syntaxProblems(parseBicep("resource x 'a@b' = {\n  name: \n}\n")).length).toBeGreaterThan(0);
    expect(syntaxProblems(parseBicep("param p string = 'unterminated\n")).length).toBeGreaterThan(0);
  });

  it.each(Object.entries(params))('main.%s.bicepparam parses and uses main.bicep', (_env, file) => {
    expect(file.problems).toEqual([]);
    expect(file.using).toBe('main.bicep');
  });

  it.each(Object.entries(params))(
    'main.%s.bicepparam sets only declared params and every required one',
    (_env, file) => {
      for (const name of file.params.keys())
        expect(main.params.has(name), `unknown param ${name}`).toBe(true);
      const required = [...main.params]
        .filter(([, param]) => param.defaultValue === undefined)
        .map(([name]) => name);
      for (const name of required) expect(file.params.has(name), `missing required param ${name}`).toBe(true);
    },
  );

  it('no object repeats a key (the Bicep CLI rejects duplicate properties)', () => {
    type Node = ReturnType<typeof parseBicep>['rootNode'];
    const duplicates = (root: Node): string[] => {
      const found: string[] = [];
      const walk = (node: Node) => {
        if (node.type === 'object') {
          const keys = node.namedChildren
            .filter((child) => child.type === 'object_property')
            .map((property) => property.namedChildren[0]?.text ?? '');
          for (const key of new Set(keys)) {
            if (keys.filter((other) => other === key).length > 1) {
              found.push(`${key} at line ${node.startPosition.row + 1}`);
            }
          }
        }
        for (const child of node.namedChildren) walk(child);
      };
      walk(root);
      return found;
    };
    expect(duplicates(parseBicep('var o = {\n  a: 1\n  a: 2\n}\n').rootNode)).toHaveLength(1);
    for (const [file, model] of files) expect(duplicates(model.tree.rootNode), file).toEqual([]);
  });

  it('every module main.bicep references exists, and every module file is used', () => {
    // A module may be called twice (the standby region's instances).
    const referenced = [...new Set(main.modules.map((module) => module.path))].sort();
    const moduleFiles = [...files.keys()].filter((file) => file.startsWith('modules/')).sort();
    expect(referenced).toEqual(moduleFiles);
  });

  it('modules are called with params they declare, and with all their required params', () => {
    for (const module of main.modules) {
      const target = files.get(module.path)!;
      const given = Object.keys((module.body.params ?? {}) as Record<string, BicepValue>);
      for (const name of given)
        expect(target.params.has(name), `${module.path} has no param ${name}`).toBe(true);
      for (const [name, param] of target.params) {
        if (param.defaultValue === undefined) expect(given, `${module.path} needs ${name}`).toContain(name);
      }
    }
  });
});

describe('every resource in ARCHITECTURE.md §7 is declared', () => {
  const required = [
    'Microsoft.Web/serverfarms',
    'Microsoft.Web/sites',
    'Microsoft.Storage/storageAccounts',
    'Microsoft.Storage/storageAccounts/blobServices/containers',
    'Microsoft.Resources/deploymentScripts',
    'Microsoft.DocumentDB/databaseAccounts',
    'Microsoft.DocumentDB/databaseAccounts/sqlDatabases',
    'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers',
    'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments',
    'Microsoft.Sql/servers',
    'Microsoft.Sql/servers/databases',
    'Microsoft.ServiceBus/namespaces',
    'Microsoft.ServiceBus/namespaces/topics',
    'Microsoft.ServiceBus/namespaces/topics/subscriptions',
    'Microsoft.Cache/redis',
    'Microsoft.Cache/redis/accessPolicyAssignments',
    'Microsoft.Search/searchServices',
    'Microsoft.SignalRService/webPubSub',
    'Microsoft.SignalRService/webPubSub/hubs',
    'Microsoft.Communication/communicationServices',
    'Microsoft.Communication/emailServices',
    'Microsoft.Communication/emailServices/domains',
    'Microsoft.KeyVault/vaults',
    'Microsoft.OperationalInsights/workspaces',
    'Microsoft.Insights/components',
    'Microsoft.Insights/actionGroups',
    'Microsoft.Insights/metricAlerts',
    'Microsoft.Insights/scheduledQueryRules',
    'Microsoft.Cdn/profiles',
    'Microsoft.Cdn/profiles/afdEndpoints',
    'Microsoft.Cdn/profiles/originGroups',
    'Microsoft.Cdn/profiles/originGroups/origins',
    'Microsoft.Cdn/profiles/afdEndpoints/routes',
    'Microsoft.Cdn/profiles/securityPolicies',
    'Microsoft.Network/FrontDoorWebApplicationFirewallPolicies',
    'Microsoft.Authorization/roleAssignments',
    'Microsoft.Authorization/roleDefinitions',
  ];

  it.each(required)('%s', (type) => {
    expect(resourcesOf(type).length).toBeGreaterThan(0);
  });

  it('every resource type carries an api version', () => {
    for (const resource of [...files.values()].flatMap((file) => file.resources)) {
      expect(resource.apiVersion, `${resource.file} ${resource.symbol}`).toMatch(
        /^\d{4}-\d{2}-\d{2}(-preview)?$/,
      );
    }
  });
});

describe('key properties', () => {
  it('Function App: Flex Consumption, Node 22, system-assigned identity, identity-based deployment storage', () => {
    expect(get(only('Microsoft.Web/serverfarms').body, 'sku')).toEqual({
      tier: 'FlexConsumption',
      name: 'FC1',
    });
    const site = only('Microsoft.Web/sites').body;
    expect(get(site, 'identity', 'type')).toBe('SystemAssigned');
    expect(get(site, 'properties', 'functionAppConfig', 'runtime')).toEqual({ name: 'node', version: '22' });
    expect(get(site, 'properties', 'functionAppConfig', 'deployment', 'storage', 'authentication')).toEqual({
      type: 'SystemAssignedIdentity',
    });
    expect(get(site, 'properties', 'httpsOnly')).toBe(true);
  });

  it('Service Bus: topic orders with duplicate detection; receipts, inventory, fulfilment with 3 deliveries and dead-lettering', () => {
    const serviceBus = files.get('modules/service-bus.bicep')!;
    expect(get(only('Microsoft.ServiceBus/namespaces').body, 'properties', 'disableLocalAuth')).toBe(true);
    const topic = only('Microsoft.ServiceBus/namespaces/topics').body;
    expect(topic.name).toBe('orders');
    expect(get(topic, 'properties', 'requiresDuplicateDetection')).toBe(true);
    const subscriptions = only('Microsoft.ServiceBus/namespaces/topics/subscriptions');
    expect(subscriptions.loop).toBe(true);
    expect(serviceBus.params.get('subscriptionNames')?.defaultValue).toEqual([
      'receipts',
      'inventory',
      'fulfilment',
    ]);
    expect(
      main.modules.find((module) => module.path === 'modules/service-bus.bicep')?.body.params,
    ).not.toHaveProperty('subscriptionNames');
    expect(get(subscriptions.body, 'properties', 'maxDeliveryCount')).toBe(3);
    expect(get(subscriptions.body, 'properties', 'deadLetteringOnMessageExpiration')).toBe(true);
  });

  it('Service Bus: every subscription replaces $Default with a rule admitting normal messages and its own replays only', () => {
    const serviceBus = files.get('modules/service-bus.bicep')!;
    // The subscriptions Bicep creates are the ones the dead-letter adapter lists and replays to.
    expect(serviceBus.params.get('subscriptionNames')?.defaultValue).toEqual(
      Object.keys(shopTopology.orders!),
    );
    const rules = only('Microsoft.ServiceBus/namespaces/topics/subscriptions/rules');
    expect(rules.file).toBe('modules/service-bus.bicep');
    expect(rules.loop).toBe(true);
    // One rule per subscription: the loop runs over the same names, each rule's parent is the
    // subscription at the same index.
    const loop = /resource replayRules [^\n]+\n\s*for \((\w+), (\w+)\) in (\w+):/.exec(serviceBus.source);
    expect(loop?.[3]).toBe('subscriptionNames');
    const [, item, index] = loop!;
    expect(text(rules.body.parent)).toBe(`subscriptions[${index}]`);
    // Named $Default so it replaces the implicit TrueFilter (which would pass every replay to every subscription).
    expect(rules.body.name).toBe('$Default');
    expect(get(rules.body, 'properties', 'filterType')).toBe('SqlFilter');
    // The expression as Service Bus gets it for each subscription: escapes resolved, name interpolated.
    const source = get(rules.body, 'properties', 'sqlFilter', 'sqlExpression') as string;
    const expressionFor = (name: string) => source.replaceAll("\\'", "'").replaceAll(`\${${item}}`, name);
    const { replayFor } = replayProperties;
    for (const name of Object.keys(shopTopology.orders!)) {
      expect(expressionFor(name)).toBe(`${replayFor} IS NULL OR ${replayFor} = '${name}'`);
    }
  });

  it('Azure SQL: Entra-only auth; read scale-out in prod on a tier that has a readable replica', () => {
    // The primary and the standby region's partner server: both Entra-only.
    const servers = resourcesOf('Microsoft.Sql/servers').filter((r) => !r.existing);
    expect(servers.map((r) => r.symbol).sort()).toEqual(['partner', 'server']);
    for (const server of servers)
      expect(get(server.body, 'properties', 'administrators', 'azureADOnlyAuthentication')).toBe(true);
    const database = only('Microsoft.Sql/servers/databases').body;
    expect(text(get(database, 'properties', 'readScale'))).toBe("readScaleOut ? 'Enabled' : 'Disabled'");
    expect(params.prod.params.get('sqlReadScaleOut')).toBe(true);
    expect(params.prod.params.get('sqlSkuName')).toMatch(/^(HS_|BC_|P)/);
    expect(params.prod.params.get('sqlHighAvailabilityReplicaCount')).toBeGreaterThanOrEqual(1);
    expect(text(get(main.vars.get('appSettings'), 'SQL_READ_SCALE_OUT'))).toBe(
      "(useAzureSql && sqlReadScaleOut) ? 'true' : 'false'",
    );
  });

  it('Cosmos DB: keys off, database shop, container products on /id with autoscale throughput', () => {
    expect(get(only('Microsoft.DocumentDB/databaseAccounts').body, 'properties', 'disableLocalAuth')).toBe(
      true,
    );
    const cosmos = files.get('modules/cosmos.bicep')!;
    expect(cosmos.params.get('databaseName')?.defaultValue).toBe('shop');
    expect(cosmos.params.get('containerName')?.defaultValue).toBe('products');
    const container = only('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').body;
    expect(get(container, 'properties', 'resource', 'partitionKey', 'paths')).toEqual(['/id']);
    expect(text(get(container, 'properties', 'options', 'autoscaleSettings', 'maxThroughput'))).toBe(
      'productsMaxThroughput',
    );
    expect(cosmos.source).toMatch(/Partition key \/id: the hot path is the product page, a point read by id/);
  });

  it('Front Door WAF: Prevention mode, a rate-limit rule, managed rule sets on Premium (prod)', () => {
    const waf = only('Microsoft.Network/FrontDoorWebApplicationFirewallPolicies').body;
    expect(get(waf, 'properties', 'policySettings', 'mode')).toBe('Prevention');
    const rules = get(waf, 'properties', 'customRules', 'rules') as Record<string, BicepValue>[];
    expect(rules.map((rule) => rule.ruleType)).toContain('RateLimitRule');
    const frontDoor = files.get('modules/front-door.bicep')!;
    const managed = text(frontDoor.vars.get('managedRuleSets'));
    expect(managed).toContain("ruleSetType: 'Microsoft_DefaultRuleSet'");
    expect(managed).toMatch(/^isPremium/);
    expect(params.prod.params.get('frontDoorSku')).toBe('Premium_AzureFrontDoor');
    const security = only('Microsoft.Cdn/profiles/securityPolicies').body;
    expect(get(security, 'properties', 'parameters', 'type')).toBe('WebApplicationFirewall');
    const routes = resourcesOf('Microsoft.Cdn/profiles/afdEndpoints/routes').map((route) =>
      get(route.body, 'properties', 'patternsToMatch'),
    );
    expect(routes).toEqual([['/api/*'], ['/*']]);
  });

  it('every data service has key/SAS auth disabled', () => {
    expect(get(only('Microsoft.Storage/storageAccounts').body, 'properties', 'allowSharedKeyAccess')).toBe(
      false,
    );
    expect(get(only('Microsoft.Search/searchServices').body, 'properties', 'disableLocalAuth')).toBe(true);
    expect(get(only('Microsoft.SignalRService/webPubSub').body, 'properties', 'disableLocalAuth')).toBe(true);
    expect(get(only('Microsoft.Cache/redis').body, 'properties', 'disableAccessKeyAuthentication')).toBe(
      true,
    );
    expect(get(only('Microsoft.Insights/components').body, 'properties', 'DisableLocalAuth')).toBe(true);
    expect(get(only('Microsoft.KeyVault/vaults').body, 'properties', 'enableRbacAuthorization')).toBe(true);
    expect(get(only('Microsoft.SignalRService/webPubSub/hubs').body, 'name')).toEqual({ expr: 'hubName' });
    expect(files.get('modules/web-pubsub.bicep')!.params.get('hubName')?.defaultValue).toBe('stock');
  });

  it('the function identity gets each role it needs, scoped to one resource', () => {
    const roleAssignments = files.get('modules/role-assignments.bicep')!;
    const roleIds = roleAssignments.vars.get('roles') as Record<string, string>;
    expect(Object.keys(roleIds).sort()).toEqual(
      [
        'storageBlobDataOwner',
        'storageQueueDataContributor',
        'storageTableDataContributor',
        'serviceBusDataOwner',
        'keyVaultSecretsUser',
        'searchIndexDataContributor',
        'webPubSubServiceOwner',
        'cosmosDbOperator',
        'websiteContributor',
        'sqlDbContributor',
        'monitoringMetricsPublisher',
      ].sort(),
    );
    // Every id is the one Microsoft documents for that role (bicep/azure-roles.ts cites the page).
    const table: Record<string, { id: string }> = azureRoles;
    for (const [key, id] of Object.entries(roleIds)) expect(id, key).toBe(table[key]?.id);
    // No broad management role for the app: not Contributor, not Owner, not index management.
    for (const broad of [
      azureRoles.contributor.id,
      azureRoles.owner.id,
      azureRoles.searchServiceContributor.id,
    ]) {
      expect(roleAssignments.source).not.toContain(broad);
    }
    const cosmosData = only('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments').body;
    expect(text(get(cosmosData, 'properties', 'roleDefinitionId'))).toContain(
      `/sqlRoleDefinitions/${azureRoles.cosmosDbBuiltInDataContributor.id}`,
    );
    for (const assignment of resourcesOf('Microsoft.Authorization/roleAssignments')) {
      expect(assignment.body.scope, `${assignment.file} ${assignment.symbol} must be scoped`).toBeDefined();
    }
  });

  it('Service Bus: one Data Owner assignment on the orders topic (trigger, output and target-based scaling)', () => {
    const assignments = resourcesOf('Microsoft.Authorization/roleAssignments').filter(
      (assignment) => assignment.file === 'modules/role-assignments.bicep',
    );
    const serviceBus = assignments.filter((assignment) => text(assignment.body.name).includes('serviceBus'));
    expect(serviceBus).toHaveLength(1);
    expect(text(serviceBus[0]!.body.scope)).toBe('ordersTopic');
    expect(text(get(serviceBus[0]!.body, 'properties', 'roleDefinitionId'))).toContain(
      'roles.serviceBusDataOwner',
    );
    const topic = files
      .get('modules/role-assignments.bicep')!
      .resources.find((resource) => resource.symbol === 'ordersTopic');
    expect(topic?.existing).toBe(true);
    expect(topic?.type).toBe('Microsoft.ServiceBus/namespaces/topics');
    expect(text(topic?.body.name)).toBe('serviceBusTopicName');
    expect(
      text(
        get(main.modules.find((module) => module.symbol === 'roles')?.body, 'params', 'serviceBusTopicName'),
      ),
    ).toBe('serviceBus.outputs.topicName');
  });

  it('ACS Email: a custom role with exactly the documented actions replaces Contributor', () => {
    const definition = only('Microsoft.Authorization/roleDefinitions');
    expect(definition.file).toBe('modules/role-assignments.bicep');
    const permissions = get(definition.body, 'properties', 'permissions') as Record<string, BicepValue>[];
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.actions).toEqual(azureRoles.acsEmailSender.actions);
    expect(permissions[0]!.dataActions).toEqual([]);
    expect(get(definition.body, 'properties', 'type')).toBe('CustomRole');
    expect(files.get(definition.file)!.source).toMatch(/assignableScopes: \[\s*resourceGroup\(\)\.id\s*\]/);
    expect(text(definition.body.name)).toBe("guid(resourceGroup().id, 'acs-email-sender')");
    const emailSender = resourcesOf('Microsoft.Authorization/roleAssignments').find(
      (assignment) => assignment.symbol === 'emailSender',
    )!;
    expect(text(emailSender.body.scope)).toBe('communication');
    expect(text(get(emailSender.body, 'properties', 'roleDefinitionId'))).toContain('emailSenderRole.name');
  });

  it("Redis: Entra on, keys off, TLS URL; the Data Contributor policy for the app's object id", () => {
    const cache = only('Microsoft.Cache/redis').body;
    expect(get(cache, 'properties', 'redisConfiguration', 'aad-enabled')).toBe('true');
    expect(get(cache, 'properties', 'disableAccessKeyAuthentication')).toBe(true);
    expect(get(cache, 'properties', 'enableNonSslPort')).toBe(false);
    const assignment = only('Microsoft.Cache/redis/accessPolicyAssignments').body;
    expect(get(assignment, 'properties', 'accessPolicyName')).toBe('Data Contributor');
    expect(text(get(assignment, 'properties', 'objectId'))).toBe('principalId');
    // The alias is documented as the token-auth username too: the same object id.
    expect(text(get(assignment, 'properties', 'objectIdAlias'))).toBe('principalId');
    const appSettings = main.vars.get('appSettings') as Record<string, BicepValue>;
    expect(appSettings.REDIS_AUTH).toBe('entra');
  });

  it('Search: the app holds Index Data Contributor only (the index is made at deploy time by the operator)', () => {
    const search = resourcesOf('Microsoft.Authorization/roleAssignments').filter((assignment) =>
      text(assignment.body.scope).startsWith('search'),
    );
    expect(search).toHaveLength(1);
    expect(text(get(search[0]!.body, 'properties', 'roleDefinitionId'))).toContain(
      'roles.searchIndexDataContributor',
    );
  });

  it("Front Door: profile first, API origin at the app's real host name, probe on the cheap live route", () => {
    // No cycle: the app takes the profile's frontDoorId, Front Door takes the app's host name.
    const functionApp = main.modules.find((module) => module.symbol === 'functionApp')!;
    expect(text(get(functionApp.body, 'params', 'frontDoorId'))).toBe(
      'frontDoorProfile.properties.frontDoorId',
    );
    const frontDoor = main.modules.find((module) => module.symbol === 'frontDoor')!;
    expect(text(get(frontDoor.body, 'params', 'apiHost'))).toBe('functionApp.outputs.defaultHostName');
    expect(text(get(frontDoor.body, 'params', 'profileName'))).toBe('frontDoorProfile.name');
    expect(main.source).not.toMatch(/'[^'\n]*\.azurewebsites\.net'/);
    expect(only('Microsoft.Cdn/profiles').file).toBe('main.bicep');
    expect(files.get('modules/function-app.bicep')!.outputs.get('defaultHostName')).toEqual({
      expr: 'site.properties.defaultHostName',
    });
    const api = resourcesOf('Microsoft.Cdn/profiles/originGroups').find(
      (group) => group.body.name === 'api',
    )!;
    const probe = get(api.body, 'properties', 'healthProbeSettings') as Record<string, BicepValue>;
    expect(probe.probePath).toBe('/api/health/live');
    expect(['HEAD', 'GET']).toContain(probe.probeRequestType);
    expect(probe.probeIntervalInSeconds).toBeGreaterThanOrEqual(60);
    // The route the probe hits exists and answers that method.
    const health = readFileSync(path.join(bicepDir, '../functions/health/health.ts'), 'utf8');
    expect(health).toContain("route: 'health/live'");
    expect(health).toMatch(new RegExp(`methods: \\[[^\\]]*'${probe.probeRequestType}'`));
  });

  it('Azure SQL: an operator firewall rule only when operatorIpAddress is set', () => {
    expect(main.params.get('operatorIpAddress')?.defaultValue).toBe('');
    const sql = files.get('modules/sql.bicep')!;
    expect(sql.params.get('operatorIpAddress')?.defaultValue).toBe('');
    expect(sql.source).toMatch(
      /resource operatorAccess 'Microsoft\.Sql\/servers\/firewallRules@[^']+' = if \(!empty\(operatorIpAddress\)\) \{/,
    );
    expect(
      text(get(main.modules.find((module) => module.symbol === 'sql')?.body, 'params', 'operatorIpAddress')),
    ).toBe('operatorIpAddress');
    for (const file of Object.values(params)) {
      expect(text(file.params.get('operatorIpAddress'))).toBe(
        "readEnvironmentVariable('SHOP_OPERATOR_IP', '')",
      );
    }
  });

  it('alerts: dead letters > 0, heartbeat missing, 5xx rate, p95 latency', () => {
    const deadLetters = resourcesOf('Microsoft.Insights/metricAlerts').find(
      (alert) => alert.symbol === 'deadLetters',
    )!.body;
    const criterion = (
      get(deadLetters, 'properties', 'criteria', 'allOf') as Record<string, BicepValue>[]
    )[0]!;
    expect(criterion).toMatchObject({
      metricName: 'DeadletteredMessages',
      operator: 'GreaterThan',
      threshold: 0,
    });
    const alerts = files.get('modules/alerts.bicep')!.vars.get('logAlerts') as Record<string, BicepValue>[];
    expect(alerts.map((alert) => alert.name)).toEqual([
      'heartbeat-missing',
      'server-errors',
      'p95-latency',
      'settlement-refused',
    ]);
    // The heartbeat alert watches the metric the heartbeat function records.
    const telemetry = readFileSync(path.join(bicepDir, '../shared/platform/telemetry.ts'), 'utf8');
    const heartbeatMetric = /heartbeats: shopCounter\('([^']+)'/.exec(telemetry)?.[1];
    expect(heartbeatMetric).toBe('shop.heartbeats');
    expect(alerts[0]!.query).toContain(`name == "${heartbeatMetric}"`);
    expect(alerts[1]!.query).toContain('toint(resultCode) >= 500');
    expect(alerts[2]!.query).toContain('percentile(duration, 95)');
    // The settlement alert watches the counter checkout records when it refuses a settlement.
    const settlementMetric = /settlementRefused: shopCounter\(\s*'([^']+)'/.exec(telemetry)?.[1];
    expect(settlementMetric).toBe('shop.settlement_refused');
    expect(alerts[3]!.query).toContain(`name == "${settlementMetric}"`);
  });
});

describe('app settings', () => {
  const appSettings = main.vars.get('appSettings') as Record<string, BicepValue>;
  const names = Object.keys(appSettings);

  // Keys of settingDefaults that are deliberately not app settings in Azure, and why.
  const notSetInAzure: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME:
      'Flex Consumption takes the runtime from functionAppConfig.runtime and rejects this setting',
    AzureWebJobsStorage:
      'identity-based: AzureWebJobsStorage__accountName instead of a connection string with a key',
    DATA_DIR: 'local twins only (PGlite, snapshots, mail outbox); every service is real in Azure',
    PORT: 'the local host only; the Functions runtime owns the port in Azure',
    DATABASE_URL: 'local PostgreSQL only; Azure uses SQL_SERVER/SQL_DATABASE with Entra auth',
    DATABASE_READ_URL: 'local PostgreSQL only; Azure reads with ApplicationIntent=ReadOnly',
    SQL_PORTABLE_WRITES: 'PostgreSQL only; Azure SQL always runs the portable statements',
  };

  it('sets every setting shared/platform/config.ts reads, except the documented local-only ones', () => {
    for (const name of Object.keys(settingDefaults)) {
      if (name in notSetInAzure) {
        expect(names, `${name} should not be set in Azure: ${notSetInAzure[name]}`).not.toContain(name);
      } else {
        expect(names, `app setting ${name} is missing`).toContain(name);
      }
    }
    expect(names).toContain('AzureWebJobsStorage__accountName');
    expect(names).toContain('ServiceBusConnection__fullyQualifiedNamespace');
  });

  it('sets the scale-scheduler settings, from the calendar and only when sales scaling is on', () => {
    for (const name of [
      'SCALE_SUBSCRIPTION_ID',
      'SCALE_RESOURCE_GROUP',
      'SCALE_FUNCTION_APP_NAME',
      'SCALE_COSMOS_ACCOUNT_NAME',
    ]) {
      expect(text(appSettings[name])).toMatch(/^salesScalingEnabled \? .+ : ''$/);
    }
    expect(appSettings.SCALE_PAUSED).toBe('false');
    expect(text(appSettings.SALES_CALENDAR)).toBe("loadTextContent('sales-calendar.json')");
    expect(params.prod.params.get('salesScalingEnabled')).toBe(true);
    expect(params.dev.params.get('salesScalingEnabled')).toBe(false);
  });

  it("sign-in: AUTH_AUDIENCE is the API app registration's client id; SPA values come from the environment", () => {
    expect(main.params.has('authAudience')).toBe(false);
    expect(main.params.get('authApiClientId')?.defaultValue).toBeUndefined();
    expect(text(appSettings.AUTH_AUDIENCE)).toBe('authApiClientId');
    for (const name of ['authSpaClientId', 'authAuthority', 'authSpaScopes']) {
      expect(main.params.get(name)?.defaultValue, name).toBeUndefined();
    }
    for (const file of Object.values(params)) {
      expect(text(file.params.get('authApiClientId'))).toBe(
        "readEnvironmentVariable('SHOP_AUTH_API_CLIENT_ID')",
      );
      expect(text(file.params.get('authSpaClientId'))).toBe(
        "readEnvironmentVariable('SHOP_AUTH_SPA_CLIENT_ID')",
      );
      expect(text(file.params.get('authAuthority'))).toBe("readEnvironmentVariable('SHOP_AUTH_AUTHORITY')");
      // v2 scope: <Application ID URI>/<scope>, the URI defaulting to api://<client id>.
      const bicepInterpolation = (expression: string) => `\${${expression}}`;
      expect(file.params.get('authSpaScopes')).toBe(
        `api://${bicepInterpolation("readEnvironmentVariable('SHOP_AUTH_API_CLIENT_ID')")}/access_as_user`,
      );
    }
  });

  it('PayPal: the webhook id is required (no default, not empty) and read from the environment', () => {
    expect(main.params.get('paypalWebhookId')?.defaultValue).toBeUndefined();
    expect(main.source).toMatch(/@minLength\(1\)\nparam paypalWebhookId string\n/);
    expect(text(appSettings.PAYPAL_WEBHOOK_ID)).toBe('paypalWebhookId');
    for (const file of Object.values(params)) {
      expect(text(file.params.get('paypalWebhookId'))).toBe(
        "readEnvironmentVariable('SHOP_PAYPAL_WEBHOOK_ID')",
      );
    }
  });

  it('payment secrets are Key Vault references', () => {
    for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'PAYPAL_CLIENT_SECRET']) {
      expect(appSettings[name]).toMatch(/^@Microsoft\.KeyVault\(SecretUri=\$\{secretUriBase\}\/[a-z-]+\)$/);
    }
  });

  it('endpoints are in their Azure form', () => {
    expect(text(appSettings.REDIS_URL)).toBe('redis.outputs.url');
    // Bicep interpolation, not JS: compare the source text.
    const bicepInterpolation = (name: string) => `\${${name}}`;
    expect(files.get('modules/redis.bicep')!.outputs.get('url')).toBe(
      `rediss://${bicepInterpolation('cache.properties.hostName')}:6380`,
    );
    expect(files.get('modules/service-bus.bicep')!.outputs.get('fullyQualifiedNamespace')).toBe(
      `${bicepInterpolation('namespace.name')}.servicebus.windows.net`,
    );
    expect(appSettings.STRIPE_API_BASE).toBe('https://api.stripe.com');
    expect(params.prod.params.get('paypalApiBase')).toBe('https://api-m.paypal.com');
  });

  const secretPatterns: [string, RegExp][] = [
    ['a storage/Service Bus key', /AccountKey=|SharedAccessKey|SharedAccessSignature|sig=/i],
    ['a password', /password\s*=|pwd=/i],
    [
      'a key-listing function',
      /\blist(Keys|ConnectionStrings|Secrets|Credentials)\b|\.listKeys\(|primaryKey|secondaryKey/i,
    ],
    ['a Stripe secret', /\b(sk|rk|whsec)_(live|test)?_?[A-Za-z0-9]{8,}/],
    ['a long random literal', /^[A-Za-z0-9+/=_-]{32,}$/],
  ];

  function secretLooking(value: BicepValue): string | undefined {
    const source = isExpr(value) ? value.expr : typeof value === 'string' ? value : JSON.stringify(value);
    return secretPatterns.find(([, pattern]) => pattern.test(source))?.[0];
  }

  it('the secret detector flags keys (negative control)', () => {
    expect(secretLooking('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9v')).toBe(
      'a storage/Service Bus key',
    );
    expect(secretLooking({ expr: 'storage.listKeys().keys[0].value' })).toBe('a key-listing function');
    expect(secretLooking('sk_live_51HxYzAbCdEf')).toBe('a Stripe secret');
    expect(secretLooking('q9Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0GfEdCbA')).toBe('a long random literal');
  });

  it.each(Object.keys(appSettings))('%s holds no secret-looking value', (name) => {
    const value = appSettings[name]!;
    expect(secretLooking(value)).toBeUndefined();
    if (/SECRET|PASSWORD|_KEY$/.test(name) && name !== 'STRIPE_PUBLISHABLE_KEY') {
      expect(value, `${name} must be a Key Vault reference`).toMatch(/^@Microsoft\.KeyVault\(/);
    }
  });

  it('no Bicep file lists keys or embeds a secret anywhere', () => {
    for (const [file, model] of files) {
      expect(model.source, file).not.toMatch(/listKeys|listConnectionStrings|AccountKey=|SharedAccessKey=/);
    }
    for (const [env, file] of Object.entries(params)) {
      for (const [name, value] of file.params) expect(secretLooking(value), `${env} ${name}`).toBeUndefined();
    }
  });

  it('outputs are named like the app settings they feed', () => {
    for (const name of [
      'AzureWebJobsStorage__accountName',
      'ServiceBusConnection__fullyQualifiedNamespace',
      'COSMOS_ENDPOINT',
      'SQL_SERVER',
      'SQL_DATABASE',
      'SQL_READ_SCALE_OUT',
      'REDIS_URL',
      'SERVICEBUS_NAMESPACE',
      'SEARCH_ENDPOINT',
      'WEBPUBSUB_ENDPOINT',
      'EMAIL_ENDPOINT',
      'EMAIL_SENDER',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
    ]) {
      expect(main.outputs.has(name), `output ${name}`).toBe(true);
      expect(text(main.outputs.get(name))).toBe(text(appSettings[name]));
    }
  });
});

describe('the relational engine: Azure SQL (default) or PostgreSQL, never both', () => {
  const operatorEnvironment: Record<string, string> = {
    SHOP_ALERT_EMAIL: 'oncall@example.com',
    SHOP_SQL_ADMIN_GROUP_NAME: 'shop-db-admins',
    SHOP_SQL_ADMIN_GROUP_ID: '0a0a0a0a-0000-4000-8000-000000000001',
    SHOP_AUTH_ISSUER: 'https://login.microsoftonline.com/t/v2.0',
    SHOP_AUTH_JWKS_URL: 'https://login.microsoftonline.com/t/discovery/v2.0/keys',
    SHOP_AUTH_API_CLIENT_ID: 'a1b2c3d4-0000-4000-8000-0000000000a1',
    SHOP_AUTH_SPA_CLIENT_ID: 'a1b2c3d4-0000-4000-8000-0000000000b2',
    SHOP_AUTH_AUTHORITY: 'https://login.microsoftonline.com/t',
    SHOP_STRIPE_PUBLISHABLE_KEY: 'pk_test_x',
    SHOP_PAYPAL_CLIENT_ID: 'paypal',
    SHOP_PAYPAL_WEBHOOK_ID: 'webhook',
  };
  const principalId = 'f00dcafe-0000-4000-8000-00000000f0f0';

  /** main.bicep evaluated for one parameter file and engine; module outputs stand in as `<module.output>`. */
  function deploy(paramFile: string, engine: string | undefined, extraEnv: Record<string, string> = {}) {
    const env = { ...operatorEnvironment, ...extraEnv };
    if (engine) env.SHOP_RELATIONAL_ENGINE = engine;
    const { params: given } = evaluateParamFile(paramFile, env);
    const replica = given.postgresReadReplica === true;
    // The site's name output is the name main.bicep chose for it: evaluate once to learn it.
    let appName = '<functionApp.name>';
    const evaluate = () =>
      evaluateDeployment(paramFile, env, {
        moduleOutput: (module, output) => {
          if (module === 'functionApp' && output === 'principalId') return principalId;
          if (module === 'functionApp' && output === 'name') return appName;
          // What modules/postgresql.bicep outputs without a replica.
          if (module === 'postgresql' && ['replicaId', 'readServerFqdn'].includes(output) && !replica)
            return '';
          return `<${module}.${output}>`;
        },
      });
    appName = String(evaluate().vars.functionAppName);
    return evaluate();
  }

  const bodiesOf = (resources: EvaluatedResource[], type: string) =>
    resources.filter((r) => r.type === type && !r.existing).flatMap((r) => r.bodies);
  const files = ['main.dev.bicepparam', 'main.prod.bicepparam'] as const;

  it('relationalEngine is azuresql or postgresql, azuresql by default; both parameter files take it from SHOP_RELATIONAL_ENGINE', () => {
    expect(main.params.get('relationalEngine')?.defaultValue).toBe('azuresql');
    expect(main.source).toMatch(
      /@allowed\(\[\s*'azuresql'\s*'postgresql'\s*\]\)[\s\S]*?param relationalEngine string/,
    );
    for (const file of Object.values(params)) {
      expect(text(file.params.get('relationalEngine'))).toBe(
        "readEnvironmentVariable('SHOP_RELATIONAL_ENGINE', 'azuresql')",
      );
    }
    expect(main.modules.find((module) => module.symbol === 'sql')?.condition).toBe('(useAzureSql)');
    expect(main.modules.find((module) => module.symbol === 'postgresql')?.condition).toBe('(usePostgres)');
  });

  it.each(files)('%s deploys exactly one engine, and only its settings are set', (file) => {
    for (const engine of [undefined, 'azuresql', 'postgresql']) {
      const deployment = deploy(file, engine);
      const types = new Set(
        deployment.resources.filter((r) => r.bodies.length > 0 && !r.existing).map((r) => r.type),
      );
      const postgres = engine === 'postgresql';
      expect(types.has('Microsoft.Sql/servers'), `${engine}: Azure SQL`).toBe(!postgres);
      expect(types.has('Microsoft.Sql/servers/databases'), `${engine}: Azure SQL`).toBe(!postgres);
      expect(types.has('Microsoft.DBforPostgreSQL/flexibleServers'), `${engine}: PostgreSQL`).toBe(postgres);
      const settings = deployment.vars.appSettings as Record<string, string>;
      const set = (name: string) => settings[name] !== '' && settings[name] !== 'false';
      for (const name of ['SQL_SERVER', 'SQL_DATABASE'])
        expect(set(name), `${engine}: ${name}`).toBe(!postgres);
      for (const name of ['PG_HOST', 'PG_DATABASE', 'PG_USER'])
        expect(set(name), `${engine}: ${name}`).toBe(postgres);
      if (postgres) {
        expect(settings.SQL_READ_SCALE_OUT).toBe('false');
        // Sales scaling changes Azure SQL's vCores only: nothing to scale, no SQL role.
        expect(settings.SCALE_SQL_SERVER_NAME).toBe('');
        const roleIds = bodiesOf(deployment.resources, 'Microsoft.Authorization/roleAssignments').map((b) =>
          String((b.properties as { roleDefinitionId: string }).roleDefinitionId),
        );
        expect(roleIds.some((id) => id.endsWith(azureRoles.sqlDbContributor.id))).toBe(false);
      }
    }
  });

  it.each(files)('%s with postgresql: Microsoft Entra authentication only, no password login', (file) => {
    const [server] = bodiesOf(
      deploy(file, 'postgresql').resources,
      'Microsoft.DBforPostgreSQL/flexibleServers',
    );
    const properties = server!.properties as Record<string, unknown>;
    expect(properties.authConfig).toMatchObject({ activeDirectoryAuth: 'Enabled', passwordAuth: 'Disabled' });
    expect(properties).not.toHaveProperty('administratorLogin');
    expect(properties).not.toHaveProperty('administratorLoginPassword');
    expect(properties.createMode).toBe('Create');
  });

  it.each(files)(
    "%s with postgresql: the Function App's identity is an Entra administrator under the name it signs in with",
    (file) => {
      const deployment = deploy(file, 'postgresql');
      const admins = deployment.resources.filter(
        (r) => r.type === 'Microsoft.DBforPostgreSQL/flexibleServers/administrators',
      );
      const appAdmin = admins.flatMap((r) => r.bodies).find((body) => body.name === principalId);
      expect(appAdmin, "an administrator named by the app identity's object id").toBeDefined();
      const settings = deployment.vars.appSettings as Record<string, string>;
      expect(appAdmin!.properties).toMatchObject({
        principalType: 'ServicePrincipal',
        principalName: settings.PG_USER,
      });
      expect(settings.PG_USER).toBe(deployment.vars.functionAppName);
      // On the server the app connects to (PG_HOST is its writer name: the server's FQDN without a
      // standby region, the virtual endpoint's writer name with one).
      expect(isResourceRef(appAdmin!.parent) && appAdmin!.parent.name).toBe('<postgresql.serverName>');
      expect(settings.PG_HOST).toBe('<postgresql.writerFqdn>');
      // The operators' group administers it too (they migrate), by the same parameters as Azure SQL.
      const group = admins
        .flatMap((r) => r.bodies)
        .find((body) => body.name === operatorEnvironment.SHOP_SQL_ADMIN_GROUP_ID);
      expect(group?.properties).toMatchObject({ principalType: 'Group', principalName: 'shop-db-admins' });
      // The app asks Entra for tokens of PostgreSQL's audience.
      expect(postgresEntraScope).toBe('https://ossrdbms-aad.database.windows.net/.default');
      // Without postgresql, no PostgreSQL administrator at all.
      expect(
        deploy(file, 'azuresql').resources.filter(
          (r) => r.type === 'Microsoft.DBforPostgreSQL/flexibleServers/administrators' && r.bodies.length > 0,
        ),
      ).toEqual([]);
    },
  );

  it('prod with postgresql: a read replica of the primary for order history, HA like SQL, not on Burstable; dev: neither', () => {
    const prod = deploy('main.prod.bicepparam', 'postgresql');
    const servers = bodiesOf(prod.resources, 'Microsoft.DBforPostgreSQL/flexibleServers');
    expect(servers).toHaveLength(2);
    const [primary, replica] = servers as [Record<string, unknown>, Record<string, unknown>];
    const replicaProperties = replica.properties as Record<string, unknown>;
    expect(replicaProperties.createMode).toBe('Replica');
    expect(replicaProperties.sourceServerResourceId).toBe(
      `/subscriptions/00000000-0000-0000-0000-00000000beef/resourceGroups/rg-shop-test/providers/Microsoft.DBforPostgreSQL/flexibleServers/${primary.name}`,
    );
    const settings = prod.vars.appSettings as Record<string, string>;
    expect(settings.PG_READ_HOST).toBe('<postgresql.readServerFqdn>');
    expect(files_.get('modules/postgresql.bicep')!.outputs.get('readServerFqdn')).toEqual({
      expr: "readReplica ? replica!.properties.fullyQualifiedDomainName : ''",
    });
    // SQL prod keeps one zone-redundant HA replica: PostgreSQL keeps one standby, in another zone.
    expect(params.prod.params.get('sqlHighAvailabilityReplicaCount')).toBeGreaterThanOrEqual(1);
    expect(params.prod.params.get('zoneRedundant')).toBe(true);
    expect((primary.properties as { highAvailability: unknown }).highAvailability).toEqual({
      mode: 'ZoneRedundant',
    });
    // Read replicas and HA need General Purpose or Memory Optimized.
    expect((primary.sku as { tier: string }).tier).not.toBe('Burstable');
    expect(replica.sku).toEqual(primary.sku);

    const dev = deploy('main.dev.bicepparam', 'postgresql');
    const devServers = bodiesOf(dev.resources, 'Microsoft.DBforPostgreSQL/flexibleServers');
    expect(devServers).toHaveLength(1);
    expect((dev.vars.appSettings as Record<string, string>).PG_READ_HOST).toBe('');
  });

  it("postgresql networking is the same as Azure SQL's: public endpoint, Azure services allowed, an operator rule only when set, on the replica too", () => {
    for (const operatorIp of ['', '203.0.113.7']) {
      const deployment = deploy('main.prod.bicepparam', 'postgresql', { SHOP_OPERATOR_IP: operatorIp });
      for (const server of bodiesOf(deployment.resources, 'Microsoft.DBforPostgreSQL/flexibleServers')) {
        expect((server.properties as { network: unknown }).network).toEqual({
          publicNetworkAccess: 'Enabled',
        });
      }
      const rules = deployment.resources
        .filter((r) => r.type === 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules')
        .flatMap((r) =>
          r.bodies.map((body) => ({ ...body, parent: (body.parent as { symbol: string }).symbol })),
        );
      const expected = (parent: string) => [
        { parent, name: 'AllowAllAzureServicesAndResourcesWithinAzureIps', start: '0.0.0.0' },
        ...(operatorIp ? [{ parent, name: 'operator', start: operatorIp }] : []),
      ];
      expect(
        rules.map((rule) => ({
          parent: rule.parent,
          name: rule.name,
          start: (rule.properties as { startIpAddress: string }).startIpAddress,
        })),
      ).toEqual([...expected('server'), ...expected('replica')]);
    }
    const sql = files_.get('modules/sql.bicep')!;
    expect(sql.source).toContain("publicNetworkAccess: 'Enabled'");
    expect(sql.source).toContain("name: 'AllowAllWindowsAzureIps'");
  });

  it('postgresql alerts: CPU and storage on the server, lag on the replica, to the on-call action group; none for Azure SQL', () => {
    const alertsOf = (deployment: ReturnType<typeof deploy>) =>
      deployment.resources
        .filter((r) => r.type === 'Microsoft.Insights/metricAlerts' && r.symbol === 'postgresAlerts')
        .flatMap((r) => r.bodies)
        .map((body) => {
          const properties = body.properties as {
            scopes: string[];
            criteria: { allOf: { metricName: string; metricNamespace: string }[] };
          };
          return {
            scope: properties.scopes[0],
            metric: properties.criteria.allOf[0]!.metricName,
            namespace: properties.criteria.allOf[0]!.metricNamespace,
          };
        });
    expect(alertsOf(deploy('main.prod.bicepparam', 'postgresql'))).toEqual([
      {
        scope: '<postgresql.serverId>',
        metric: 'cpu_percent',
        namespace: 'Microsoft.DBforPostgreSQL/flexibleServers',
      },
      {
        scope: '<postgresql.serverId>',
        metric: 'storage_percent',
        namespace: 'Microsoft.DBforPostgreSQL/flexibleServers',
      },
      {
        scope: '<postgresql.replicaId>',
        metric: 'read_replica_lag_in_seconds',
        namespace: 'Microsoft.DBforPostgreSQL/flexibleServers',
      },
    ]);
    expect(alertsOf(deploy('main.dev.bicepparam', 'postgresql')).map((a) => a.metric)).toEqual([
      'cpu_percent',
      'storage_percent',
    ]);
    expect(alertsOf(deploy('main.prod.bicepparam', 'azuresql'))).toEqual([]);
  });
});

describe('the sales calendar in Bicep', () => {
  it('main.bicep loads bicep/sales-calendar.json, which parses', () => {
    expect(main.source).toContain("loadJsonContent('sales-calendar.json')");
    const calendar = JSON.parse(readFileSync(path.join(bicepDir, 'sales-calendar.json'), 'utf8'));
    expect(() => parseCalendar(calendar)).not.toThrow();
  });

  it('sizes the instance ceiling with the same formula as capacityForPeak', () => {
    const formula = text(main.vars.get('saleMaximumInstances')).replace(/\s+/g, ' ');
    expect(formula).toContain('for window in salesCalendar.windows');
    expect(formula).toContain(
      'max( salesPolicy.baseline.alwaysReadyInstances, (window.expectedPeakRps + salesPolicy.requestsPerSecondPerInstance - 1) / salesPolicy.requestsPerSecondPerInstance ) * salesPolicy.burstFactor',
    );
    const capacityPlan = readFileSync(path.join(bicepDir, '../shared/scaling/sales-calendar.ts'), 'utf8');
    expect(capacityPlan).toContain('ceilDiv(expectedPeakRps, policy.requestsPerSecondPerInstance)');
    expect(capacityPlan).toContain('alwaysReadyInstances * policy.burstFactor');
  });
});

describe('zones, the standby region and the shop domain (issue #20)', () => {
  const environment: Record<string, string> = {
    SHOP_ALERT_EMAIL: 'oncall@example.com',
    SHOP_SQL_ADMIN_GROUP_NAME: 'shop-db-admins',
    SHOP_SQL_ADMIN_GROUP_ID: '0a0a0a0a-0000-4000-8000-000000000001',
    SHOP_AUTH_ISSUER: 'https://login.microsoftonline.com/t/v2.0',
    SHOP_AUTH_JWKS_URL: 'https://login.microsoftonline.com/t/discovery/v2.0/keys',
    SHOP_AUTH_API_CLIENT_ID: 'a1b2c3d4-0000-4000-8000-0000000000a1',
    SHOP_AUTH_SPA_CLIENT_ID: 'a1b2c3d4-0000-4000-8000-0000000000b2',
    SHOP_AUTH_AUTHORITY: 'https://login.microsoftonline.com/t',
    SHOP_STRIPE_PUBLISHABLE_KEY: 'pk_test_x',
    SHOP_PAYPAL_CLIENT_ID: 'paypal',
    SHOP_PAYPAL_WEBHOOK_ID: 'webhook',
  };
  const evaluate = (paramFile: string, extra: Record<string, string> = {}) =>
    evaluateDeployment(
      paramFile,
      { ...environment, ...extra },
      {
        moduleOutput: (module, output) => {
          // What the modules output without a read replica or a geo-redundant account.
          if (['webSecondaryHost', 'readServerFqdn', 'replicaId'].includes(output)) return '';
          return `<${module}.${output}>`;
        },
      },
    );
  const bodies = (deployment: ReturnType<typeof evaluate>, type: string) =>
    deployment.resources.filter((r) => r.type === type && !r.existing).flatMap((r) => r.bodies);
  // Evaluated resource bodies are untyped JSON; the assertions below say what each path holds.
  const props = (body: Record<string, unknown> | undefined) =>
    // biome-ignore lint/suspicious/noExplicitAny: untyped ARM JSON, read by path in assertions
    (body?.properties ?? {}) as Record<string, any>;

  it('dev stays one region without zones: one Cosmos region, no failover group, one Function App, LRS', () => {
    const dev = evaluate('main.dev.bicepparam', { SHOP_SECONDARY_LOCATION: 'northeurope' });
    expect(dev.params.secondaryLocation).toBe('');
    expect(dev.params.zoneRedundant).toBe(false);
    const [account] = bodies(dev, 'Microsoft.DocumentDB/databaseAccounts');
    expect(props(account).locations).toEqual([
      { locationName: 'westeurope', failoverPriority: 0, isZoneRedundant: false },
    ]);
    expect(props(account).enableAutomaticFailover).toBe(false);
    expect(bodies(dev, 'Microsoft.Sql/servers/failoverGroups')).toEqual([]);
    expect(bodies(dev, 'Microsoft.Sql/servers')).toHaveLength(1);
    expect(bodies(dev, 'Microsoft.Web/sites')).toHaveLength(1);
    expect(bodies(dev, 'Microsoft.Web/serverfarms').map((plan) => props(plan).zoneRedundant)).toEqual([
      false,
    ]);
    expect(
      bodies(dev, 'Microsoft.Storage/storageAccounts').map((a) => (a.sku as { name: string }).name),
    ).toEqual(['Standard_LRS']);
    expect(bodies(dev, 'Microsoft.Network/dnsZones')).toEqual([]);
    expect(dev.vars.secondaryAppSettings).toEqual({});
    expect((dev.vars.appSettings as Record<string, string>).COSMOS_PREFERRED_REGIONS).toBe('');
  });

  it('prod: zone redundancy wherever the tier has it, still one region until SHOP_SECONDARY_LOCATION names one', () => {
    const prod = evaluate('main.prod.bicepparam');
    const [account] = bodies(prod, 'Microsoft.DocumentDB/databaseAccounts');
    expect(props(account).locations).toEqual([
      { locationName: 'westeurope', failoverPriority: 0, isZoneRedundant: true },
    ]);
    const [database] = bodies(prod, 'Microsoft.Sql/servers/databases');
    expect(props(database)).toMatchObject({ zoneRedundant: true, requestedBackupStorageRedundancy: 'Zone' });
    expect(bodies(prod, 'Microsoft.Web/serverfarms').map((plan) => props(plan).zoneRedundant)).toEqual([
      true,
    ]);
    expect(
      bodies(prod, 'Microsoft.Storage/storageAccounts').map((a) => (a.sku as { name: string }).name),
    ).toEqual(['Standard_RAGZRS']);
    expect(props(bodies(prod, 'Microsoft.Search/searchServices')[0]).replicaCount).toBe(2);
    expect(bodies(prod, 'Microsoft.Sql/servers/failoverGroups')).toEqual([]);
    expect(bodies(prod, 'Microsoft.Web/sites')).toHaveLength(1);
  });

  it('prod with a standby region: Cosmos second region with service-managed failover; SQL failover group; the standby stack in that region; Front Door by priority', () => {
    const prod = evaluate('main.prod.bicepparam', { SHOP_SECONDARY_LOCATION: 'northeurope' });
    const [account] = bodies(prod, 'Microsoft.DocumentDB/databaseAccounts');
    expect(props(account).enableAutomaticFailover).toBe(true);
    expect(props(account).locations).toEqual([
      { locationName: 'westeurope', failoverPriority: 0, isZoneRedundant: true },
      { locationName: 'northeurope', failoverPriority: 1, isZoneRedundant: true },
    ]);
    const servers = bodies(prod, 'Microsoft.Sql/servers');
    expect(servers.map((s) => s.location)).toEqual(['westeurope', 'northeurope']);
    const [group] = bodies(prod, 'Microsoft.Sql/servers/failoverGroups');
    expect(props(group).readWriteEndpoint).toEqual({
      failoverPolicy: 'Automatic',
      failoverWithDataLossGracePeriodMinutes: 60,
    });
    expect(props(bodies(prod, 'Microsoft.Sql/servers/databases')[0]).requestedBackupStorageRedundancy).toBe(
      'GeoZone',
    );
    // The app reaches SQL through the group's listener.
    expect((prod.vars.appSettings as Record<string, string>).SQL_SERVER).toBe('<sql.listenerFqdn>');
    // The standby's regional stack, each in the standby region.
    for (const type of [
      'Microsoft.Web/sites',
      'Microsoft.ServiceBus/namespaces',
      'Microsoft.Cache/redis',
      'Microsoft.Search/searchServices',
      'Microsoft.SignalRService/webPubSub',
      'Microsoft.Storage/storageAccounts',
    ]) {
      expect(
        bodies(prod, type).map((body) => body.location),
        type,
      ).toEqual(['westeurope', 'northeurope']);
    }
    // Only the primary's account serves the SPA (one static-website script).
    expect(bodies(prod, 'Microsoft.Resources/deploymentScripts')).toHaveLength(1);
    const origins = bodies(prod, 'Microsoft.Cdn/profiles/originGroups/origins').map((o) => [
      o.name,
      props(o).priority,
    ]);
    expect(origins).toContainEqual(['function-app', 1]);
    expect(origins).toContainEqual(['function-app-standby', 2]);
    // Dead letters page on-call in either region's namespace.
    const deadLetterScopes = bodies(prod, 'Microsoft.Insights/metricAlerts')
      .filter((alert) => String(alert.name).includes('dead-letters'))
      .map((alert) => props(alert).scopes);
    expect(deadLetterScopes).toEqual([['<serviceBus.namespaceId>'], ['<serviceBusSecondary.namespaceId>']]);
  });

  it('SHOP_DNS_ZONE: an Azure DNS zone, the shop host on Front Door with a managed certificate, validated through the zone', () => {
    const prod = evaluate('main.prod.bicepparam', { SHOP_DNS_ZONE: 'shop.example.com' });
    const [zone] = bodies(prod, 'Microsoft.Network/dnsZones');
    expect(zone!.name).toBe('shop.example.com');
    const [domain] = bodies(prod, 'Microsoft.Cdn/profiles/customDomains');
    expect(props(domain).hostName).toBe('www.shop.example.com');
    expect(props(domain).tlsSettings).toEqual({
      certificateType: 'ManagedCertificate',
      minimumTlsVersion: 'TLS12',
    });
    expect(isResourceRef(props(domain).azureDnsZone.id) || String(props(domain).azureDnsZone.id)).toContain(
      'shop.example.com',
    );
    const [cname] = bodies(prod, 'Microsoft.Network/dnsZones/CNAME');
    expect(cname!.name).toBe('www');
    expect(String(props(cname).cnameRecord.cname)).toMatch(/endpoint\.properties\.hostName/);
    const [txt] = bodies(prod, 'Microsoft.Network/dnsZones/TXT');
    expect(txt!.name).toBe('_dnsauth.www');
    expect(String(props(txt).txtRecords[0].value[0])).toMatch(/validationProperties\.validationToken/);
    // Both routes and the WAF serve the domain.
    for (const route of bodies(prod, 'Microsoft.Cdn/profiles/afdEndpoints/routes'))
      expect(props(route).customDomains, String(route.name)).toHaveLength(1);
    const [security] = bodies(prod, 'Microsoft.Cdn/profiles/securityPolicies');
    expect(props(security).parameters.associations[0].domains).toHaveLength(2);
    // dev never gets it.
    expect(
      bodies(
        evaluate('main.dev.bicepparam', { SHOP_DNS_ZONE: 'shop.example.com' }),
        'Microsoft.Network/dnsZones',
      ),
    ).toEqual([]);
  });
});
