// The alerts on-call needs (docs/runbook.md says what to do for each). Request-based
// alerts look at HTTP requests only (`url` set): timer and Service Bus invocations are
// logged as requests too and would skew latency.

param location string
param baseName string
param tags object
param alertEmail string
param appInsightsId string
param serviceBusNamespaceId string
@description('p95 server latency (ms) that pages on-call.')
param p95LatencyThresholdMs int = 1500
@description('Share of requests failing with 5xx (percent) that pages on-call.')
param serverErrorPercentThreshold int = 2

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${baseName}-oncall'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'shoponcall'
    enabled: true
    emailReceivers: [
      {
        name: 'on-call'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Any dead-lettered message means an order's receipt, stock update or pick request did not
// happen after three tries.
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${baseName}-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'Dead-lettered messages in a Service Bus subscription (runbook: Dead letters).'
    severity: 1
    enabled: true
    scopes: [
      serviceBusNamespaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'DeadletteredMessages'
          criterionType: 'StaticThresholdCriterion'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

var logAlerts = [
  {
    name: 'heartbeat-missing'
    description: 'No heartbeat metric for 10 minutes: the function app is down or cannot run timers (runbook: Heartbeat missing).'
    severity: 0
    query: 'customMetrics | where name == "shop.heartbeats" | summarize beats = sum(valueCount)'
    column: 'beats'
    operator: 'LessThan'
    threshold: 1
    window: 'PT10M'
  }
  {
    name: 'server-errors'
    description: 'More than ${serverErrorPercentThreshold}% of API requests failed with 5xx (runbook: Errors and latency).'
    severity: 1
    query: 'requests | where isnotempty(url) | summarize total = count(), failed = countif(toint(resultCode) >= 500) | where total >= 20 | extend failedPercent = 100.0 * failed / total'
    column: 'failedPercent'
    operator: 'GreaterThan'
    threshold: serverErrorPercentThreshold
    window: 'PT5M'
  }
  {
    name: 'p95-latency'
    description: 'p95 API latency above ${p95LatencyThresholdMs} ms (runbook: Errors and latency).'
    severity: 2
    query: 'requests | where isnotempty(url) | summarize total = count(), p95 = percentile(duration, 95) | where total >= 20'
    column: 'p95'
    operator: 'GreaterThan'
    threshold: p95LatencyThresholdMs
    window: 'PT5M'
  }
  {
    name: 'settlement-refused'
    description: 'A payment settlement was refused (a webhook or provider answer that does not match its order: a possible attack, or a bug). The order was not paid (runbook: Settlement refused).'
    severity: 1
    query: 'customMetrics | where name == "shop.settlement_refused" | summarize refused = sum(valueCount)'
    column: 'refused'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT5M'
  }
]

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for alert in logAlerts: {
    name: 'alert-${baseName}-${alert.name}'
    location: location
    tags: tags
    properties: {
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: 'PT5M'
      windowSize: alert.window
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Maximum'
            metricMeasureColumn: alert.column
            operator: alert.operator
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

output actionGroupId string = actionGroup.id
