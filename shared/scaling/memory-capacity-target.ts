import type { ScaledResource } from './capacity-plan';
import type { Capacity } from './sales-calendar';
import type { ApplyReport, CapacityTarget } from './scale-scheduler';

/**
 * The capacity target's fake: Azure's Functions, Cosmos and SQL capacity kept in memory. It
 * starts at a given capacity (the policy's baseline) and records every change the scheduler
 * applies, for tests and for showing "deployed now" where no Azure target exists. The Azure
 * adapter (azure-capacity-target.ts) is checked against the management SDKs' requests.
 */
export class MemoryCapacityTarget implements CapacityTarget {
  readonly description = 'capacity target fake (in memory; Azure-only resources)';
  readonly resources: readonly ScaledResource[] = ['functions', 'cosmos', 'sql'];
  readonly applied: Capacity[] = [];
  private current: Capacity;

  constructor(initial: Capacity) {
    this.current = { ...initial };
  }

  async read(): Promise<Capacity> {
    return { ...this.current };
  }

  async apply(capacity: Capacity): Promise<ApplyReport | undefined> {
    this.applied.push({ ...capacity });
    this.current = { ...capacity };
    return { notes: [] };
  }
}
