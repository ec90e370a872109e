import type { SaleWindowInput, SizingPolicy } from './sales-calendar';

/** Test fixtures shared by the scaling tests (same policy as bicep/sales-calendar.json). */
export const testPolicy: SizingPolicy = {
  preWarmMinutes: 30,
  coolDownMinutes: 60,
  requestsPerSecondPerInstance: 50,
  cosmosRuPerRequest: 5,
  burstFactor: 3,
  baseline: { alwaysReadyInstances: 1, maximumInstanceCount: 40, cosmosMaxThroughput: 1000 },
  limits: { alwaysReadyInstances: 40, maximumInstanceCount: 1000, cosmosMaxThroughput: 20000 },
};

export function sale(overrides: Partial<SaleWindowInput> = {}): SaleWindowInput {
  return {
    name: 'Black Friday',
    start: '2026-11-27T00:00',
    end: '2026-11-28T00:00',
    timeZone: 'America/New_York',
    expectedPeakRps: 800,
    ...overrides,
  };
}
