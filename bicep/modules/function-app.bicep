// The function app on Flex Consumption (FC1).
//
// Why Flex Consumption: it scales to zero when idle (dev costs nothing; prod keeps one
// always-ready instance), scales per function group to 1000 instances, runs Node 22, and
// its "always-ready" instances are the pre-warm lever for sales. The scale-scheduler timer
// changes always-ready (and Cosmos RU/s, SQL vCores) from the sales calendar, through ARM with
// this app's identity; each such change is a site update, rolled out as set below. Elastic Premium was the alternative (pre-warmed instances, Azure Monitor
// autoscale profiles from the calendar) but bills at least one EP1 instance around the
// clock and its Monitor autoscale does not govern Premium's event-driven scale-out.

param location string
param baseName string
@description('Decided by main.bicep so Front Door can point at it before the app exists.')
param name string
param tags object
param storageAccountName string
param deploymentContainerUrl string
@description('App settings (name -> value). Identity-based connections only; secrets only as Key Vault references.')
param appSettings object
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int
@minValue(0)
param alwaysReadyHttpInstances int
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048
@description('Spread instances over availability zones: the platform then keeps at least two always-ready instances per function group, billed as always-ready (https://learn.microsoft.com/azure/reliability/reliability-functions).')
param zoneRedundant bool = false
@description('Front Door profile id (X-Azure-FDID); when set, only that Front Door may call the app.')
param frontDoorId string = ''

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${baseName}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        for setting in items(appSettings): {
          name: setting.key
          value: setting.value
        }
      ]
      ipSecurityRestrictionsDefaultAction: empty(frontDoorId) ? 'Allow' : 'Deny'
      ipSecurityRestrictions: empty(frontDoorId)
        ? []
        : [
            {
              name: 'front-door-only'
              action: 'Allow'
              priority: 100
              tag: 'ServiceTag'
              ipAddress: 'AzureFrontDoor.Backend'
              headers: {
                'x-azure-fdid': [
                  frontDoorId
                ]
              }
            }
          ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
      // Site updates (a deploy, a setting, the scale-scheduler's always-ready change) drain
      // instances in batches and let running executions finish, instead of the default
      // Recreate that restarts every instance and terminates them. Takes effect from the
      // update after the one that sets it. Documented for ARM/Bicep API 2023-12-01 and later:
      // https://learn.microsoft.com/azure/azure-functions/flex-consumption-site-updates
      // Bicep's generated Microsoft.Web types (bicep-types-az, up to 2025-03-01) lack it, hence BCP037.
      #disable-next-line BCP037
      siteUpdateStrategy: {
        type: 'RollingUpdate'
      }
    }
  }
}

// No publishing passwords: deploy with Entra (az functionapp deploy / zip deploy with a token).
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output id string = site.id
output principalId string = site.identity.principalId
output defaultHostName string = site.properties.defaultHostName
output storageAccountName string = storageAccountName
