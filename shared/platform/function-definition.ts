import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import { errorToResponse } from './http';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;
/** Receives the message body; `context.triggerMetadata` carries messageId and deliveryCount. */
export type TopicHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/**
 * A function declared once, as data. The Azure entry registers it with `app`; the local
 * host serves it itself. Neither host changes the handler.
 */
export interface HttpFunction {
  kind: 'http';
  name: string;
  /** Azure route template without the `api/` prefix, e.g. `products/{id}`. */
  route: string;
  methods: HttpMethod[];
  handler: HttpHandler;
  /** Registered only when the local issuer is in use (never by the Azure entry). */
  localOnly?: boolean;
}

export interface TimerFunction {
  kind: 'timer';
  name: string;
  /** NCRONTAB with seconds: `sec min hour day month weekday`. */
  schedule: string;
  runOnStartup?: boolean;
  handler: TimerHandler;
}

export interface TopicFunction {
  kind: 'topic';
  name: string;
  topic: string;
  subscription: string;
  handler: TopicHandler;
}

export type FunctionDefinition = HttpFunction | TimerFunction | TopicFunction;

/** Declares an HTTP function; its handler maps every thrown error to problem+json. */
export function httpFunction(definition: Omit<HttpFunction, 'kind'>): HttpFunction {
  const inner = definition.handler;
  return {
    ...definition,
    kind: 'http',
    handler: async (request, context) => {
      try {
        return await inner(request, context);
      } catch (error) {
        return errorToResponse(error, context);
      }
    },
  };
}

/**
 * Declares a timer function. After each successful run it records the component's heartbeat
 * (shared/operations/), which the operations page shows; both hosts run this handler.
 */
export function timerFunction(definition: Omit<TimerFunction, 'kind'>): TimerFunction {
  const inner = definition.handler;
  return {
    ...definition,
    kind: 'timer',
    handler: async (timer, context) => {
      const started = performance.now();
      await inner(timer, context);
      await recordTimerRun(definition.name, Math.round(performance.now() - started), context);
    },
  };
}

/**
 * The heartbeat of a successful run, only once this instance's services have started or are
 * starting (every timer but `heartbeat` starts them itself): a timer called in a unit test
 * with no services must not start a whole shop. Failing to record is logged, never the run's
 * failure. Imported lazily, so declaring a function does not load the services and their SDKs.
 */
async function recordTimerRun(name: string, elapsedMs: number, context: InvocationContext): Promise<void> {
  try {
    const { services, startState } = await import('./services');
    const state = startState().state;
    if (state !== 'ready' && state !== 'starting') return;
    const { recordHeartbeat } = await import('../operations/heartbeats.repository');
    await recordHeartbeat((await services()).sql.db, name, new Date(), `ran in ${elapsedMs} ms`);
  } catch (error) {
    context.warn(
      `${name}: heartbeat not recorded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export function topicFunction(definition: Omit<TopicFunction, 'kind'>): TopicFunction {
  return { ...definition, kind: 'topic' };
}
