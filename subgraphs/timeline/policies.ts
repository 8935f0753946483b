import { policy, type Policy, type StreamPosition } from '../../platform/consumer';
import { streamName, type Envelope } from '../../platform/events';
import type { TimelineTx } from './db';
import { caseOf, describeEvent } from './entries';
import { discoverSources, parseFrom, wholeStream, type Source } from './sources';

/**
 * Records one event as a timeline entry (and, when its data names its case and customer, who
 * the case belongs to). Idempotent twice over: the platform marks the event processed in this
 * transaction, and the event id is the entry's key (a replay into a new database, or the same
 * event through another path, upserts the same row).
 */
export async function recordEvent(tx: TimelineTx, context: string, env: Envelope, position?: StreamPosition): Promise<'recorded' | 'skipped'> {
  const facts = describeEvent(context, env.type, env.data);
  if (!facts) return 'skipped';
  const entry = {
    caseId: env.correlationId,
    causationId: env.causationId,
    context,
    stream: position?.stream ?? streamName(context),
    streamSequence: position ? BigInt(position.streamSequence) : null,
    eventType: env.type,
    eventVersion: env.version,
    kind: facts.kind,
    summary: facts.summary,
    status: facts.status ?? null,
    channel: facts.channel ?? null,
    amount: facts.amount ?? null,
    points: facts.points ?? null,
    reason: facts.reason ?? null,
    occurredAt: new Date(env.occurredAt),
  };
  await tx.timelineEntry.upsert({ where: { eventId: env.id }, create: { eventId: env.id, ...entry }, update: {} });
  const owner = caseOf(env.correlationId, env.data);
  if (owner?.customerId) {
    await tx.timelineCase.upsert({
      where: { caseId: env.correlationId },
      create: { caseId: env.correlationId, kind: owner.kind, customerId: owner.customerId, storeId: owner.storeId },
      // The customer never changes; a store id arrives with the first event that carries one.
      update: owner.storeId ? { storeId: owner.storeId } : {},
    });
  }
  return 'recorded';
}

/**
 * One policy per producing context: a durable consumer `timeline--<context>` over the whole
 * stream (`<context>.>`), so every event of every context, known or added later, reaches the
 * timeline, in stream order per context. Copies of facts only (no side effects): a new database
 * behind existing consumers replays the streams' history.
 */
export function streamPolicy(source: Source): Policy<TimelineTx> {
  return policy<TimelineTx, ReturnType<typeof wholeStream>>({
    name: source.context,
    event: wholeStream(source),
    parse: (raw) => parseFrom(source, raw),
    replayIntoNewDatabase: true,
    async handle(tx, _data, env, position) {
      await recordEvent(tx, source.context, env, position);
    },
  });
}

/** The policies of every producing context found in the registry (sources.ts). */
export const timelinePolicies = (sources: Source[] = discoverSources()) => sources.map(streamPolicy);
