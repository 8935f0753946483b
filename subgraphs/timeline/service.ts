import { startContext, type ContextSpec } from '../../platform/service';
import { createTimelineClient, type TimelineDb, type TimelineTx } from './db';
import { timelinePolicies } from './policies';
import { timelineContext, timelineResolvers, type TimelineContext } from './resolvers';

/**
 * The timeline context: a read model of every fact about an order or a reservation, built only
 * from the events of every producing context (one durable consumer per stream, policies.ts).
 * It calls no other context, reads no other database and publishes nothing.
 */
export const timelineSpec: ContextSpec<TimelineDb, TimelineTx, object, TimelineContext> = {
  name: 'timeline',
  defaultPort: 4010,
  dir: __dirname,
  createClient: createTimelineClient,
  produces: false,
  build({ db }) {
    return {
      resolvers: timelineResolvers(),
      requestContext: () => timelineContext(db) as TimelineContext,
      policies: timelinePolicies(),
    };
  },
};

export const startTimeline = (env: NodeJS.ProcessEnv = process.env) => startContext(timelineSpec, env);
