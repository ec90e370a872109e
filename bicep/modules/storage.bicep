// One storage account: AzureWebJobsStorage (identity-based), the Flex Consumption deployment
// container, and the SPA's static website ($web). Shared-key access is off everywhere.

param location string
param baseName string
param tags object
@description('Standard_LRS (dev); Standard_ZRS keeps a zone outage from stopping the Functions host; Standard_RAGZRS also copies the SPA to the paired region, readable there.')
param skuName string = 'Standard_LRS'
@description('Serve the SPA from this account ($web). The standby region\'s account holds only its Function App\'s host state and package.')
param staticWebsite bool = true

var accountName = take('st${replace(baseName, '-', '')}${uniqueString(resourceGroup().id)}', 24)

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'deployments'
  properties: {
    publicAccess: 'None'
  }
}

// Static website hosting is a data-plane setting ARM cannot set, so a deployment script
// turns it on with its own identity (roles on this account only).
resource scriptIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = if (staticWebsite) {
  name: 'id-${baseName}-static-site'
  location: location
  tags: tags
}

// Account Contributor for the control plane; Blob Data Owner because with shared keys off
// the service-properties call is made with an Entra token (--auth-mode login).
var scriptRoles = [
  '17d1049b-9a84-46fb-8f53-869881c3d3ab' // Storage Account Contributor
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
]

resource scriptRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in (staticWebsite ? scriptRoles : []): {
    scope: account
    name: guid(account.id, scriptIdentity.id, role)
    properties: {
      principalId: scriptIdentity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource enableStaticWebsite 'Microsoft.Resources/deploymentScripts@2023-08-01' = if (staticWebsite) {
  name: 'enable-static-website-${accountName}'
  location: location
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${scriptIdentity.id}': {}
    }
  }
  dependsOn: [
    scriptRole
  ]
  properties: {
    azCliVersion: '2.61.0'
    retentionInterval: 'PT1H'
    cleanupPreference: 'OnSuccess'
    // index.html doubles as the 404 page so the SPA's client-side routes load.
    scriptContent: 'az storage blob service-properties update --account-name ${account.name} --static-website --index-document index.html --404-document index.html --auth-mode login'
  }
}

output accountName string = account.name
output accountId string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output webEndpoint string = account.properties.primaryEndpoints.web
output webHost string = replace(replace(account.properties.primaryEndpoints.web, 'https://', ''), '/', '')
// Read-access geo-redundant accounts serve the static website from the paired region too
// (<account>-secondary.<zone>.web.core.windows.net): Front Door's standby SPA origin.
output webSecondaryHost string = startsWith(skuName, 'Standard_RAG')
  ? replace(replace(account.properties.secondaryEndpoints.web, 'https://', ''), '/', '')
  : ''
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deployments.name}'
