// The alerts on-call needs (docs/runbook.md says what to do for each). Request-based
// alerts look at HTTP requests only (`url` set): timer and Service Bus invocations are
// logged as requests too and would skew latency.

param location string
param baseName string
param tags object
param alertEmail string
param appInsightsId string
param serviceBusNamespaceId string
@description('The standby region\'s Service Bus namespace (its app consumes there after a failover); empty = none.')
param standbyServiceBusNamespaceId string = ''
@description('PostgreSQL flexible server and its read replica (relationalEngine postgresql); empty = Azure SQL, no PostgreSQL alerts.')
param postgresServerId string = ''
param postgresReplicaId string = ''
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

// The same for the standby region's namespace: after a failover its subscriptions are the ones
// consuming. A metric alert watches resources of one region, hence a second alert.
resource deadLettersStandby 'Microsoft.Insights/metricAlerts@2018-03-01' = if (!empty(standbyServiceBusNamespaceId)) {
  name: 'alert-${baseName}-dead-letters-2'
  location: 'global'
  tags: tags
  properties: {
    description: 'Dead-lettered messages in a Service Bus subscription of the standby region (runbook: Dead letters).'
    severity: 1
    enabled: true
    scopes: [
      standbyServiceBusNamespaceId
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

// PostgreSQL (relationalEngine postgresql): the server running out of CPU or disk, and the
// replica that order history reads falling behind. Metric names from
// https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-dbforpostgresql-flexibleservers-metrics
var postgresMetricAlerts = empty(postgresServerId)
  ? []
  : concat(
      [
        {
          name: 'postgres-cpu'
          description: 'PostgreSQL CPU above 80% for 15 minutes (docs/deploy.md, "Choosing the relational engine").'
          severity: 2
          scope: postgresServerId
          metric: 'cpu_percent'
          threshold: 80
          window: 'PT15M'
        }
        {
          name: 'postgres-storage'
          description: 'PostgreSQL storage above 85% (auto-grow is on; check it grows) (docs/deploy.md, "Choosing the relational engine").'
          severity: 1
          scope: postgresServerId
          metric: 'storage_percent'
          threshold: 85
          window: 'PT15M'
        }
      ],
      empty(postgresReplicaId)
        ? []
        : [
            {
              name: 'postgres-replica-lag'
              description: 'The PostgreSQL read replica is more than 60 s behind: order history shows stale orders (docs/deploy.md, "Choosing the relational engine").'
              severity: 2
              scope: postgresReplicaId
              metric: 'read_replica_lag_in_seconds'
              threshold: 60
              window: 'PT15M'
            }
          ]
    )

resource postgresAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [
  for alert in postgresMetricAlerts: {
    name: 'alert-${baseName}-${alert.name}'
    location: 'global'
    tags: tags
    properties: {
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        alert.scope
      ]
      evaluationFrequency: 'PT5M'
      windowSize: alert.window
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            name: alert.metric
            criterionType: 'StaticThresholdCriterion'
            metricNamespace: 'Microsoft.DBforPostgreSQL/flexibleServers'
            metricName: alert.metric
            operator: 'GreaterThan'
            threshold: alert.threshold
            timeAggregation: 'Average'
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
]

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
