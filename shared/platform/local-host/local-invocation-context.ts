import type {
  EffectiveFunctionOptions,
  InvocationContext,
  InvocationContextExtraInputs,
  InvocationContextExtraOutputs,
  RetryContext,
  TraceContext,
  TriggerMetadata,
} from '@azure/functions';
import { invocationContext, type Logger } from '../logging';

/**
 * The InvocationContext an HTTP function gets locally, made when first used: the runtime's class
 * (with its extra inputs/outputs and a fresh UUID) cost about 4% of the host's time on a cached
 * product read, which uses none of it. Anything read or logged goes to the same context that
 * `invocationContext` (logging.ts) builds, so ids and log lines are as before.
 */
export class LocalInvocationContext implements InvocationContext {
  #real: InvocationContext | undefined;

  constructor(
    readonly functionName: string,
    private readonly logger: Logger,
  ) {}

  private real(): InvocationContext {
    this.#real ??= invocationContext(this.functionName, this.logger);
    return this.#real;
  }

  get invocationId(): string {
    return this.real().invocationId;
  }
  get extraInputs(): InvocationContextExtraInputs {
    return this.real().extraInputs;
  }
  get extraOutputs(): InvocationContextExtraOutputs {
    return this.real().extraOutputs;
  }
  get retryContext(): RetryContext | undefined {
    return this.real().retryContext;
  }
  get traceContext(): TraceContext | undefined {
    return this.real().traceContext;
  }
  get triggerMetadata(): TriggerMetadata | undefined {
    return this.real().triggerMetadata;
  }
  get options(): EffectiveFunctionOptions {
    return this.real().options;
  }
  log(...args: unknown[]): void {
    this.real().log(...args);
  }
  trace(...args: unknown[]): void {
    this.real().trace(...args);
  }
  debug(...args: unknown[]): void {
    this.real().debug(...args);
  }
  info(...args: unknown[]): void {
    this.real().info(...args);
  }
  warn(...args: unknown[]): void {
    this.real().warn(...args);
  }
  error(...args: unknown[]): void {
    this.real().error(...args);
  }
}
