import DataLoader from 'dataloader';
import { canAccess, forbidden, requireActor, type AuthContext } from '../../platform/auth';
import type { TimelineDb } from './db';
import type { Resolvers } from './generated/resolvers-types';
import { loadTimelines, toGraphQL, type CaseTimeline } from './timelines';

export interface TimelineContext extends AuthContext {
  /** Every Order / Reservation of one request in one batch (their `timeline` from _entities). */
  timelines: DataLoader<string, CaseTimeline>;
}

export const timelineContext = (db: TimelineDb): Omit<TimelineContext, 'actor'> => ({
  timelines: new DataLoader((ids) => loadTimelines(db, ids)),
});

/**
 * "Readable by whoever may read the order": the router reaches these fields only under a root
 * field of ordering or rental that authorized the caller, and timeline checks again with the
 * owner it recorded from the case's own events (its customer; for an order also staff of its
 * store; an admin) — ordering's rule (platform/auth.ts canAccess). A case timeline has not
 * heard of yet has no entries: [] whoever asks.
 */
async function timelineOf(id: string, what: string, ctx: TimelineContext) {
  const actor = requireActor(ctx);
  const t = await ctx.timelines.load(id);
  if (t.owner && !canAccess(actor, t.owner)) throw forbidden(`You may not read the timeline of ${what} ${id}.`);
  return t.entries.map(toGraphQL);
}

export function timelineResolvers() {
  return {
    Order: {
      timeline: (o, _, ctx) => timelineOf(o.id!, 'order', ctx),
    },
    Reservation: {
      timeline: (r, _, ctx) => timelineOf(r.id!, 'reservation', ctx),
    },
  } satisfies Resolvers<TimelineContext>;
}
