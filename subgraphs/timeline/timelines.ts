import type { TimelineDb } from './db';

type Entry = Awaited<ReturnType<TimelineDb['timelineEntry']['findMany']>>[number];
type Case = Awaited<ReturnType<TimelineDb['timelineCase']['findMany']>>[number];

/** How far a chain of causes is followed out of a case (an order event → a mission's event → …). */
const MAX_CAUSATION_HOPS = 4;

/**
 * The documented order of a timeline: event time (`occurredAt`), then the stream position
 * (JetStream stream sequence; null, for an entry re-applied from a dead letter, after the
 * others), then the event id. Stream sequences grow per stream: between two streams they only
 * break a tie of equal times deterministically.
 */
export function compareEntries(a: Entry, b: Entry): number {
  const t = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (t !== 0) return t;
  if (a.streamSequence !== b.streamSequence) {
    if (a.streamSequence === null) return 1;
    if (b.streamSequence === null) return -1;
    return a.streamSequence < b.streamSequence ? -1 : 1;
  }
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export interface CaseTimeline {
  /** Who the case belongs to; null while timeline has seen no event naming its customer. */
  owner: Case | null;
  entries: Entry[];
}

/**
 * The timelines of several cases in a few queries (a DataLoader's batch): the entries whose
 * correlation id is the case, plus the entries caused by one of them whose own correlation is
 * not an order or reservation (a mission's RewardGranted caused by the order's OrderPlaced),
 * followed up to MAX_CAUSATION_HOPS links. Sorted by compareEntries.
 */
export async function loadTimelines(db: TimelineDb, caseIds: readonly string[]): Promise<CaseTimeline[]> {
  const ids = [...new Set(caseIds)];
  const [owners, direct] = await Promise.all([
    db.timelineCase.findMany({ where: { caseId: { in: ids } } }),
    db.timelineEntry.findMany({ where: { caseId: { in: ids } } }),
  ]);
  const byCase = new Map<string, Entry[]>(ids.map((id) => [id, []]));
  const caseOfEvent = new Map<string, string>();
  for (const e of direct) {
    byCase.get(e.caseId)!.push(e);
    caseOfEvent.set(e.eventId, e.caseId);
  }
  let frontier = direct.map((e) => e.eventId);
  for (let hop = 0; hop < MAX_CAUSATION_HOPS && frontier.length > 0; hop++) {
    const caused = (await db.timelineEntry.findMany({ where: { causationId: { in: frontier } } })).filter((e) => !caseOfEvent.has(e.eventId));
    // An event that is itself about an order or reservation belongs to that case only.
    const otherCases = new Set(
      (await db.timelineCase.findMany({ where: { caseId: { in: [...new Set(caused.map((e) => e.caseId))] } }, select: { caseId: true } })).map((c) => c.caseId),
    );
    frontier = [];
    for (const e of caused) {
      if (otherCases.has(e.caseId) || byCase.has(e.caseId)) continue;
      const caseId = caseOfEvent.get(e.causationId!)!;
      byCase.get(caseId)!.push(e);
      caseOfEvent.set(e.eventId, caseId);
      frontier.push(e.eventId);
    }
  }
  const ownerOf = new Map(owners.map((o) => [o.caseId, o]));
  return caseIds.map((id) => ({ owner: ownerOf.get(id) ?? null, entries: [...byCase.get(id)!].sort(compareEntries) }));
}

/** An entry as GraphQL shows it (schema.graphql's TimelineEntry). */
export const toGraphQL = (e: Entry) => ({
  eventId: e.eventId,
  occurredAt: e.occurredAt.toISOString(),
  context: e.context,
  kind: e.kind,
  summary: e.summary,
  eventType: e.eventType,
  status: e.status,
  channel: e.channel,
  amount: e.amount,
  points: e.points,
  reason: e.reason,
  causationId: e.causationId,
  stream: e.stream,
  streamSequence: e.streamSequence === null ? null : Number(e.streamSequence),
});
