// Log Analytics + workspace-based Application Insights. Local (key) auth is disabled on
// App Insights: the function app sends telemetry with its managed identity
// (APPLICATIONINSIGHTS_AUTHENTICATION_STRING + Monitoring Metrics Publisher).

param location string
param baseName string
param tags object
@description('Days of logs kept; the first 31 days are included in the ingestion price.')
param retentionInDays int = 30
@description('Daily ingestion cap in GB (runaway-logging protection). -1 = no cap.')
param dailyQuotaGb int = 5

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${baseName}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

output workspaceId string = workspace.id
output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
// The connection string identifies the resource; it is not a credential (ingestion needs Entra auth).
output connectionString string = appInsights.properties.ConnectionString
