import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { azureRoles, type RoleDefinition, roleAllows } from '../../bicep/azure-roles';
import { type BicepValue, bicepDir, isExpr, loadBicepFiles, loadParamFile } from '../../bicep/bicep-model';
import { scaleOperations } from './azure-capacity-target';
import { cosmosInstantCeiling, parseCalendar } from './sales-calendar';
import { scalingSettingNames } from './scaling-settings';

// What the scale-scheduler needs from bicep/: its settings, its roles at the narrowest scope,
// the rolling site-update strategy, and a calendar baseline that matches what Bicep deploys.

const files = loadBicepFiles();
const main = files.get('main.bicep')!;
const roleAssignments = files.get('modules/role-assignments.bicep')!;
const calendar = parseCalendar(JSON.parse(readFileSync(path.join(bicepDir, 'sales-calendar.json'), 'utf8')));

function text(value: BicepValue | undefined): string {
  return isExpr(value) ? value.expr : JSON.stringify(value);
}

function get(value: BicepValue | undefined, ...keys: string[]): BicepValue | undefined {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || isExpr(current)) {
      return undefined;
    }
    current = (current as Record<string, BicepValue>)[key];
  }
  return current;
}

describe('the scale-scheduler in bicep/', () => {
  it('gets its SQL target settings only when sales scaling is on and the engine is Azure SQL', () => {
    const appSettings = main.vars.get('appSettings') as Record<string, BicepValue>;
    expect(text(appSettings.SCALE_SQL_SERVER_NAME)).toBe(
      "(salesScalingEnabled && useAzureSql) ? sql!.outputs.serverName : ''",
    );
    expect(text(appSettings.SCALE_SQL_DATABASE_NAME)).toBe(
      "(salesScalingEnabled && useAzureSql) ? sql!.outputs.databaseName : ''",
    );
    for (const name of scalingSettingNames) expect(Object.keys(appSettings)).toContain(name);
    expect(files.get('modules/sql.bicep')!.outputs.get('serverName')).toEqual({ expr: 'server.name' });
  });

  it('holds SQL DB Contributor on the database alone', () => {
    const assignment = roleAssignments.resources.find((resource) => resource.symbol === 'sqlScale')!;
    expect(assignment.type).toBe('Microsoft.Authorization/roleAssignments');
    expect(text(assignment.body.scope)).toBe('sqlDatabase');
    expect(text(get(assignment.body, 'properties', 'roleDefinitionId'))).toContain('roles.sqlDbContributor');
    expect((roleAssignments.vars.get('roles') as Record<string, string>).sqlDbContributor).toBe(
      '9b7fa17d-e63e-47b0-bb0a-15c516ac86ec',
    );
    const database = roleAssignments.resources.find((resource) => resource.symbol === 'sqlDatabase')!;
    expect(database).toMatchObject({ type: 'Microsoft.Sql/servers/databases', existing: true });
    expect(text(database.body.parent)).toBe('sqlServer');
    const roles = main.modules.find((module) => module.symbol === 'roles')!;
    expect(text(get(roles.body, 'params', 'sqlServerName'))).toBe(
      "useAzureSql ? sql!.outputs.serverName : ''",
    );
    expect(text(get(roles.body, 'params', 'sqlDatabaseName'))).toBe(
      "useAzureSql ? sql!.outputs.databaseName : ''",
    );
  });

  it('is allowed every ARM operation it performs, by the role assigned at that resource', () => {
    const scopes: Record<string, { symbol: string; role: RoleDefinition }> = {
      'Microsoft.Web/sites': { symbol: 'selfScale', role: azureRoles.websiteContributor },
      'Microsoft.DocumentDB/databaseAccounts': {
        symbol: 'cosmosOperator',
        role: azureRoles.cosmosDbOperator,
      },
      'Microsoft.Sql/servers/databases': { symbol: 'sqlScale', role: azureRoles.sqlDbContributor },
    };
    for (const operation of scaleOperations) {
      const grant = scopes[operation.resourceType]!;
      const assignment = roleAssignments.resources.find((resource) => resource.symbol === grant.symbol)!;
      const scope = roleAssignments.resources.find(
        (resource) => resource.symbol === text(assignment.body.scope),
      );
      expect(scope?.type, operation.operation).toBe(operation.resourceType);
      expect(roleAllows(grant.role, operation.operation, 'control'), operation.operation).toBe(true);
    }
    // SQL DB Contributor manages databases, not the server or the data.
    expect(roleAllows(azureRoles.sqlDbContributor, 'Microsoft.Sql/servers/write')).toBe(false);
    expect(
      roleAllows(azureRoles.sqlDbContributor, 'Microsoft.Sql/servers/databases/auditingSettings/write'),
    ).toBe(false);
  });

  it('site updates roll (siteUpdateStrategy RollingUpdate), so running executions finish', () => {
    const site = files
      .get('modules/function-app.bicep')!
      .resources.find((resource) => resource.symbol === 'site')!;
    expect(get(site.body, 'properties', 'functionAppConfig', 'siteUpdateStrategy')).toEqual({
      type: 'RollingUpdate',
    });
  });

  it("the calendar's baseline is what Bicep deploys: prod's SQL SKU, one Cosmos partition", () => {
    const prodSku = String(loadParamFile('main.prod.bicepparam').params.get('sqlSkuName'));
    expect(Number(/_(\d+)$/.exec(prodSku)?.[1])).toBe(calendar.policy.baseline.sqlVCores);
    expect(calendar.policy.sqlVCoreSizes).toContain(calendar.policy.baseline.sqlVCores);
    // A new container gets ceil(max / 10,000) physical partitions; Bicep creates it at the baseline.
    expect(calendar.policy.cosmosPhysicalPartitions).toBe(
      Math.ceil(calendar.policy.baseline.cosmosMaxThroughput / 10_000),
    );
    expect(cosmosInstantCeiling(calendar.policy)).toBe(10_000);
    expect(text(main.vars.get('baselineCosmosMaxThroughput'))).toContain(
      'salesPolicy.baseline.cosmosMaxThroughput',
    );
  });
});
