import { app } from '@azure/functions';
import { settingDefaults } from '../shared/platform/config';
import { startTelemetryForAzure } from '../shared/platform/telemetry';
import { allFunctions } from './definitions';
import { registerAll } from './register';

// The Azure entry: `func start` and the Functions runtime load this (package.json#main).
// Telemetry starts here, as the module loads, on every instance whatever it runs (HTTP,
// timers, Service Bus triggers); the services start on first use (shared/platform/services.ts),
// and in Azure refuse to start on any local twin, the sandbox gateway included
// (parseAzureEntryConfig in shared/platform/config.ts: a 503 not_ready naming the setting).
void startTelemetryForAzure(
  process.env.APPLICATIONINSIGHTS_CONNECTION_STRING ?? settingDefaults.APPLICATIONINSIGHTS_CONNECTION_STRING,
);
app.setup({ enableHttpStream: false });
registerAll(app, allFunctions);
