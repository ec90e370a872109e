import type { SaleWindowInput, SizingPolicy } from './sales-calendar';

/** Test fixtures shared by the scaling tests (same policy as bicep/sales-calendar.json). */
export const testPolicy: SizingPolicy = {
  leadTimes: { functionsMinutes: 30, cosmosMinutes: 30, cosmosSplitMinutes: 720, sqlMinutes: 60 },
  coolDownMinutes: 60,
  requestsPerSecondPerInstance: 50,
  cosmosRuPerRequest: 5,
  burstFactor: 3,
  cosmosPhysicalPartitions: 1,
  sqlRequestsPerSecondPerVCore: 100,
  sqlVCoreSizes: [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80],
  baseline: { alwaysReadyInstances: 1, maximumInstanceCount: 40, cosmosMaxThroughput: 1000, sqlVCores: 2 },
  limits: { alwaysReadyInstances: 40, maximumInstanceCount: 1000, cosmosMaxThroughput: 10000, sqlVCores: 16 },
};

/**
 * A policy that allows windows above one physical partition's 10,000 RU/s: a baseline of
 * 2,000 RU/s is what Cosmos lets a 20,000 RU/s max come back down to.
 */
export const splitPolicy: SizingPolicy = {
  ...testPolicy,
  baseline: { ...testPolicy.baseline, cosmosMaxThroughput: 2000 },
  limits: { ...testPolicy.limits, alwaysReadyInstances: 100, cosmosMaxThroughput: 20000, sqlVCores: 40 },
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
