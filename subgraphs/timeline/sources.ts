import { z } from 'zod';
import { envelopeSchema, streamName, type Envelope, type EventContract } from '../../platform/events';
import { PermanentError } from '../../platform/errors';
import { CONTEXT_NAMES } from '../registry';

/** A producing context as timeline reads it: its stream and the contracts it exports. */
export interface Source {
  context: string;
  stream: string;
  /** Its contracts by `<Type>.v<version>`. */
  contracts: Map<string, EventContract>;
}

const isContract = (v: unknown): v is EventContract =>
  !!v && typeof v === 'object' && typeof (v as EventContract).subject === 'string' && typeof (v as EventContract).type === 'string' && (v as EventContract).data instanceof z.ZodType;

/**
 * Every context of the registry (subgraphs/registry.ts) that exports event contracts
 * (`subgraphs/<context>/contracts.ts`), found at start-up: a context added later is read
 * without any change to timeline. A context without a contracts module publishes nothing.
 * `load` is injectable for tests; by default it requires the module beside this one.
 */
export function discoverSources(
  names: readonly string[] = CONTEXT_NAMES.filter((n) => n !== 'timeline'),
  load: (context: string) => Record<string, unknown> | undefined = requireContracts,
): Source[] {
  const sources: Source[] = [];
  for (const context of names) {
    const exports = load(context);
    if (!exports) continue;
    const contracts = new Map<string, EventContract>();
    for (const v of Object.values(exports)) if (isContract(v) && v.subject.startsWith(`${context}.`)) contracts.set(`${v.type}.v${v.version}`, v);
    if (contracts.size > 0) sources.push({ context, stream: streamName(context), contracts });
  }
  return sources;
}

function requireContracts(context: string): Record<string, unknown> | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(`../${context}/contracts`) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND' && String((e as Error).message).includes(`${context}/contracts`)) return undefined;
    throw e;
  }
}

/**
 * Parses a message of `source`'s stream: the envelope always; the data against its contract
 * when the type and version are known (a known event that breaks its contract is a poison
 * message: PermanentError, dead-lettered). An unknown type keeps its data as sent: it gets the
 * default entry (entries.ts).
 */
export function parseFrom(source: Source, raw: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new PermanentError(`Not an event: ${(e as Error).message}`);
  }
  const env = envelopeSchema.safeParse(json);
  if (!env.success) throw new PermanentError(`Not an event envelope: ${z.prettifyError(env.error)}`);
  const contract = source.contracts.get(`${env.data.type}.v${env.data.version}`);
  if (!contract) return env.data;
  const data = contract.data.safeParse(env.data.data);
  if (!data.success) throw new PermanentError(`${contract.type} v${contract.version} violates its contract: ${z.prettifyError(data.error)}`);
  return { ...env.data, data: data.data };
}

/** The pseudo-contract of a whole stream: its subject filter is `<context>.>` (one filter subject per consumer on nats-server 2.9). */
export const wholeStream = (source: Source): EventContract => ({
  subject: `${source.context}.>`,
  stream: source.stream,
  type: '*',
  version: 1,
  data: z.unknown(),
});
