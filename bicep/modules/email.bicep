// Communication Services + Email (Azure-managed sender domain) for order receipts. The app
// sends with its managed identity (no connection string); the custom role that lets it
// (CommunicationServices/Read + /Write, EmailServices/write, per
// https://learn.microsoft.com/azure/communication-services/quickstarts/email/send-email-smtp/smtp-authentication)
// is declared and assigned in role-assignments.bicep, scoped to the resource this outputs.

param baseName string
param tags object
@description('Where ACS stores data at rest, e.g. Europe or United States.')
param dataLocation string

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: 'email-${baseName}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource domain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: 'acs-${baseName}-${uniqueString(resourceGroup().id)}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      domain.id
    ]
  }
}

output name string = communication.name
output endpoint string = 'https://${communication.properties.hostName}'
output sender string = 'DoNotReply@${domain.properties.mailFromSenderDomain}'
