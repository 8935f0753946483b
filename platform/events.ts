import { newId } from './ids';
import { z } from 'zod';

/**
 * The envelope every event travels in, whatever its type. A traced event's stored and
 * published JSON also holds `traceparent`/`tracestate` (platform/tracing.ts); parsing drops them.
 */
export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime(),
  /** The business case: the order id for the order saga. */
  correlationId: z.string().min(1),
  /** The event or request that caused this one; null for a first cause. */
  causationId: z.string().min(1).nullable(),
  data: z.unknown(),
});
export type Envelope<D = unknown> = Omit<z.infer<typeof envelopeSchema>, 'data'> & { data: D };

/**
 * An event's contract, owned and exported by its producing context
 * (`subgraphs/<producer>/contracts.ts`). Consumers import it and validate what
 * they receive against it, so a producer change that breaks a consumer fails
 * the consumer's tests.
 */
export interface EventContract<S extends z.ZodType = z.ZodType> {
  /** `<context>.<event-name>.v<version>`, e.g. `ordering.order-placed.v1`. */
  subject: string;
  /** The producing context's stream, e.g. `ORDERING` over `ordering.>`. */
  stream: string;
  type: string;
  version: number;
  data: S;
}
export type EventData<C extends EventContract> = z.infer<C['data']>;

export function defineEvent<S extends z.ZodType>(def: { context: string; name: string; version: number; data: S }): EventContract<S> {
  if (!/^[a-z]+$/.test(def.context) || !/^[a-z]+(-[a-z]+)*$/.test(def.name)) {
    throw new Error(`Bad event name ${def.context}.${def.name}: lower-case context, kebab-case past-tense name`);
  }
  // The version is a subject token and an envelope field that must be a positive integer.
  if (!Number.isInteger(def.version) || def.version < 1) {
    throw new Error(`Bad event version ${def.version} for ${def.context}.${def.name}: a positive integer`);
  }
  return {
    subject: `${def.context}.${def.name}.v${def.version}`,
    stream: streamName(def.context),
    type: def.name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
    version: def.version,
    data: def.data,
  };
}

/** One stream per producing context. */
export const streamName = (context: string) => context.toUpperCase();
export const streamSubjects = (context: string) => [`${context}.>`];

export function createEnvelope<C extends EventContract>(
  contract: C,
  data: EventData<C>,
  meta: { correlationId: string; causationId?: string | null },
): Envelope<EventData<C>> {
  const env = {
    // Time-ordered (UUIDv7, platform/ids.ts): indexes keyed by event id grow at their right edge.
    id: newId(),
    type: contract.type,
    version: contract.version,
    occurredAt: new Date().toISOString(),
    correlationId: meta.correlationId,
    causationId: meta.causationId ?? null,
    // The producer validates too: a bad event must never leave its context.
    data: contract.data.parse(data) as EventData<C>,
  };
  // So must a bad envelope (a blank correlation id): every consumer would dead-letter it.
  const checked = envelopeSchema.safeParse(env);
  if (!checked.success) throw new Error(`Not an event envelope: ${z.prettifyError(checked.error)}`);
  return env;
}

/** Parses raw bytes into an envelope whose data satisfies the contract; throws a readable error otherwise. */
export function parseEvent<C extends EventContract>(contract: C, raw: string): Envelope<EventData<C>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new Error(`Not an event: ${(e as Error).message}`);
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Not an event envelope: ${z.prettifyError(parsed.error)}`);
  const env = parsed.data;
  if (env.type !== contract.type || env.version !== contract.version) {
    throw new Error(`Expected ${contract.type} v${contract.version}, got ${env.type} v${env.version}`);
  }
  const data = contract.data.safeParse(env.data);
  if (!data.success) throw new Error(`${contract.type} v${contract.version} violates its contract: ${z.prettifyError(data.error)}`);
  return { ...env, data: data.data as EventData<C> };
}
