import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import { InvocationContext as Context } from '@azure/functions';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const rank: Record<string, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  info: 2,
  warning: 3,
  warn: 3,
  error: 4,
  critical: 5,
  silent: 9,
};

export type Logger = (level: string, message: string, fields?: Record<string, unknown>) => void;

/** A JSON-lines logger to stdout (what the local host and scripts use). */
export function createLogger(minimum: LogLevel): Logger {
  const floor = rank[minimum] ?? 2;
  return (level, message, fields = {}) => {
    if ((rank[level] ?? 2) < floor) return;
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`,
    );
  };
}

function describe(args: unknown[]): string {
  return args
    .map((arg) => (typeof arg === 'string' ? arg : arg instanceof Error ? arg.stack : JSON.stringify(arg)))
    .join(' ');
}

/**
 * An InvocationContext as the Functions runtime would build it, whose logs carry the
 * invocation id and function name (in Azure, the runtime does the same for App Insights).
 */
export function invocationContext(
  functionName: string,
  logger: Logger,
  triggerMetadata: Record<string, unknown> = {},
): InvocationContext {
  const invocationId = randomUUID();
  return new Context({
    invocationId,
    functionName,
    triggerMetadata,
    logHandler: (level, ...args) => logger(level, describe(args), { invocationId, functionName }),
  });
}
