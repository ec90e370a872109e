// Front Door in front of both the SPA (storage static website) and the API (function app),
// with a WAF policy in Prevention mode. One hostname for shoppers: no CORS, and the API's
// Cache-Control/ETag headers let the edge cache catalogue reads.
//
// The profile itself is declared in main.bicep, before the function app: the app's access
// restriction needs the profile's frontDoorId (X-Azure-FDID), and this module's API origin
// needs the app's actual default host name, so profile -> function app -> this module.

param baseName string
param tags object
@description('The Front Door profile (declared in main.bicep).')
param profileName string
@allowed([
  'Standard_AzureFrontDoor'
  'Premium_AzureFrontDoor'
])
@description('Premium is required for the managed (OWASP/DRS and bot) rule sets.')
param sku string
param spaHost string
@description('The function app\'s defaultHostName, as the site reports it (may be a unique regional name).')
param apiHost string
@description('Requests per client IP per minute before the WAF blocks it.')
param rateLimitPerMinute int
@description('The standby region\'s function app (priority 2: used only while every priority-1 origin is unhealthy); blank = none.')
param standbyApiHost string = ''
@description('The SPA\'s copy in the paired region (read-access geo-redundant storage); blank = none.')
param standbySpaHost string = ''
@description('An Azure DNS zone for the shop\'s domain (e.g. shop.example.com), created here; blank = the endpoint\'s azurefd.net name only.')
param dnsZoneName string = ''
@description('The shop\'s host name in that zone (e.g. www -> www.shop.example.com).')
param shopHostLabel string = 'www'

var isPremium = sku == 'Premium_AzureFrontDoor'

resource profile 'Microsoft.Cdn/profiles@2024-02-01' existing = {
  name: profileName
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2024-02-01' = {
  parent: profile
  name: 'shop-${uniqueString(resourceGroup().id)}'
  location: 'global'
  properties: {
    enabledState: 'Enabled'
  }
}

resource spaOrigins 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = {
  parent: profile
  name: 'spa'
  properties: {
    loadBalancingSettings: {
      sampleSize: 4
      successfulSamplesRequired: 3
      additionalLatencyInMilliseconds: 50
    }
    healthProbeSettings: {
      probePath: '/index.html'
      probeRequestType: 'HEAD'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 120
    }
  }
}

resource spaOrigin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = {
  parent: spaOrigins
  name: 'static-website'
  properties: {
    hostName: spaHost
    originHostHeader: spaHost
    httpsPort: 443
    priority: 1
    weight: 1000
    enforceCertificateNameCheck: true
  }
}

// The SPA's copy in the paired region, read-only: Front Door uses it only when the primary
// endpoint fails its probe.
resource spaStandbyOrigin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = if (!empty(standbySpaHost)) {
  parent: spaOrigins
  name: 'static-website-standby'
  properties: {
    hostName: standbySpaHost
    originHostHeader: standbySpaHost
    httpsPort: 443
    priority: 2
    weight: 1000
    enforceCertificateNameCheck: true
  }
}

resource apiOrigins 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = {
  parent: profile
  name: 'api'
  properties: {
    loadBalancingSettings: {
      sampleSize: 4
      successfulSamplesRequired: 3
      additionalLatencyInMilliseconds: 50
    }
    // Every Front Door edge probes every origin, so the probe is the cheap liveness route
    // (`GET|HEAD /api/health/live`: no SQL, Cosmos or Redis call), sent as HEAD and every
    // 120 s, which Microsoft recommends to cut origin load and cost
    // (https://learn.microsoft.com/azure/frontdoor/health-probes). /api/health checks every
    // dependency and would keep serverless SQL awake.
    healthProbeSettings: {
      probePath: '/api/health/live'
      probeRequestType: 'HEAD'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 120
    }
  }
}

resource apiOrigin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = {
  parent: apiOrigins
  name: 'function-app'
  properties: {
    hostName: apiHost
    originHostHeader: apiHost
    httpsPort: 443
    priority: 1
    weight: 1000
    enforceCertificateNameCheck: true
  }
}

// Active-passive: Front Door sends every request to the lowest priority that has a healthy
// origin (https://learn.microsoft.com/azure/frontdoor/routing-methods#priority), so the standby
// region takes traffic only while the primary fails the probe above, and gets it back by itself.
resource apiStandbyOrigin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = if (!empty(standbyApiHost)) {
  parent: apiOrigins
  name: 'function-app-standby'
  properties: {
    hostName: standbyApiHost
    originHostHeader: standbyApiHost
    httpsPort: 443
    priority: 2
    weight: 1000
    enforceCertificateNameCheck: true
  }
}

// ---- The shop's domain on Azure DNS, with a Front Door managed certificate -----------------------
// With the zone in Azure DNS, Front Door validates the domain and issues and renews the
// certificate itself; the CNAME points the name at the endpoint and the TXT record _dnsauth.<name>
// carries the validation token (https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-add-custom-domain).
// The zone's name servers (output nameServers) are set at the domain's registrar once.
var hasDomain = !empty(dnsZoneName)

resource zone 'Microsoft.Network/dnsZones@2018-05-01' = if (hasDomain) {
  name: hasDomain ? dnsZoneName : 'unused.invalid'
  location: 'global'
  tags: tags
}

resource shopDomain 'Microsoft.Cdn/profiles/customDomains@2024-02-01' = if (hasDomain) {
  parent: profile
  name: 'shop-domain'
  properties: {
    hostName: '${shopHostLabel}.${dnsZoneName}'
    azureDnsZone: {
      id: zone.id
    }
    tlsSettings: {
      certificateType: 'ManagedCertificate'
      minimumTlsVersion: 'TLS12'
    }
  }
}

resource shopCname 'Microsoft.Network/dnsZones/CNAME@2018-05-01' = if (hasDomain) {
  parent: zone
  name: shopHostLabel
  properties: {
    TTL: 3600
    cnameRecord: {
      cname: endpoint.properties.hostName
    }
  }
}

resource shopValidation 'Microsoft.Network/dnsZones/TXT@2018-05-01' = if (hasDomain) {
  parent: zone
  name: '_dnsauth.${shopHostLabel}'
  properties: {
    TTL: 3600
    txtRecords: [
      {
        value: [
          shopDomain.properties.validationProperties.validationToken
        ]
      }
    ]
  }
}

var customDomains = hasDomain
  ? [
      {
        id: shopDomain.id
      }
    ]
  : []

resource apiRoute 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = {
  parent: endpoint
  name: 'api'
  dependsOn: [
    apiOrigin
  ]
  properties: {
    originGroup: {
      id: apiOrigins.id
    }
    customDomains: customDomains
    patternsToMatch: [
      '/api/*'
    ]
    supportedProtocols: [
      'Https'
    ]
    httpsRedirect: 'Enabled'
    forwardingProtocol: 'HttpsOnly'
    linkToDefaultDomain: 'Enabled'
    // Caches only what the API marks cacheable (public Cache-Control); carts, orders and
    // checkout answer with private/no-store and pass straight through.
    cacheConfiguration: {
      queryStringCachingBehavior: 'UseQueryString'
      compressionSettings: {
        isCompressionEnabled: true
        contentTypesToCompress: [
          'application/json'
          'application/problem+json'
        ]
      }
    }
  }
}

resource spaRoute 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = {
  parent: endpoint
  name: 'spa'
  dependsOn: [
    spaOrigin
    apiRoute
  ]
  properties: {
    originGroup: {
      id: spaOrigins.id
    }
    customDomains: customDomains
    patternsToMatch: [
      '/*'
    ]
    supportedProtocols: [
      'Http'
      'Https'
    ]
    httpsRedirect: 'Enabled'
    forwardingProtocol: 'HttpsOnly'
    linkToDefaultDomain: 'Enabled'
    cacheConfiguration: {
      queryStringCachingBehavior: 'IgnoreQueryString'
      compressionSettings: {
        isCompressionEnabled: true
        contentTypesToCompress: [
          'text/html'
          'text/css'
          'application/javascript'
          'image/svg+xml'
        ]
      }
    }
  }
}

var managedRuleSets = isPremium
  ? [
      {
        ruleSetType: 'Microsoft_DefaultRuleSet'
        ruleSetVersion: '2.1'
        ruleSetAction: 'Block'
      }
      {
        ruleSetType: 'Microsoft_BotManagerRuleSet'
        ruleSetVersion: '1.1'
      }
    ]
  : []

resource waf 'Microsoft.Network/FrontDoorWebApplicationFirewallPolicies@2024-02-01' = {
  name: 'waf${replace(baseName, '-', '')}'
  location: 'Global'
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    policySettings: {
      enabledState: 'Enabled'
      mode: 'Prevention'
      requestBodyCheck: 'Enabled'
      customBlockResponseStatusCode: 429
    }
    customRules: {
      rules: [
        {
          // Per client IP; generous enough for a shopper's page loads, stops scripted floods
          // of checkout/cart calls on sale day.
          name: 'RateLimitPerClientIp'
          priority: 100
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: rateLimitPerMinute
          action: 'Block'
          matchConditions: [
            {
              matchVariable: 'RequestUri'
              operator: 'RegEx'
              negateCondition: false
              matchValue: [
                '/api/.*'
              ]
            }
          ]
        }
      ]
    }
    managedRules: {
      managedRuleSets: managedRuleSets
    }
  }
}

resource security 'Microsoft.Cdn/profiles/securityPolicies@2024-02-01' = {
  parent: profile
  name: 'waf'
  properties: {
    parameters: {
      type: 'WebApplicationFirewall'
      wafPolicy: {
        id: waf.id
      }
      associations: [
        {
          domains: concat(
            [
              {
                id: endpoint.id
              }
            ],
            customDomains
          )
          patternsToMatch: [
            '/*'
          ]
        }
      ]
    }
  }
}

output profileName string = profile.name
output frontDoorId string = profile.properties.frontDoorId
output hostName string = endpoint.properties.hostName
@description('The shop\'s own host name when a DNS zone is given, else the endpoint\'s.')
output publicHostName string = hasDomain ? '${shopHostLabel}.${dnsZoneName}' : endpoint.properties.hostName
output nameServers array = hasDomain ? zone.properties.nameServers : []
output wafPolicyName string = waf.name
