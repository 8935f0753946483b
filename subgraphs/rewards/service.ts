import { z } from 'zod';
import { idempotencySettings, startKeyPruner } from '../../platform/idempotency';
import { startContext, type ContextSpec } from '../../platform/service';
import { createRewardsClient, type RewardsDb, type RewardsTx } from './db';
import { MessageDispatcher } from './messages';
import { NotificationClient } from './notification-client';
import { rewardsPolicies } from './policies';
import { rewardsResolvers } from './resolvers';

const config = z.object({
  /** Notification's internal base URL (its generic `POST /internal/messages`). */
  NOTIFICATION_URL: z.url().default('http://127.0.0.1:4006'),
  /** Per-call timeout of the synchronous message request. */
  REWARDS_NOTIFY_TIMEOUT_MS: z.coerce.number().int().positive().default(1000),
  /** How long the breaker stays open before one trial call. */
  REWARDS_NOTIFY_RESET_MS: z.coerce.number().int().positive().default(5000),
  /** How often queued messages are retried. */
  REWARDS_MESSAGE_POLL_MS: z.coerce.number().int().positive().default(1000),
  ...idempotencySettings.shape,
});
export type RewardsConfig = z.infer<typeof config>;

/** Missions, rewards, wallets and gifts (seed 003). Joins by listening to ordering's events; no other context knows it. */
export const rewardsSpec: ContextSpec<RewardsDb, RewardsTx, RewardsConfig, object> = {
  name: 'rewards',
  defaultPort: 4009,
  dir: __dirname,
  createClient: createRewardsClient,
  config,
  produces: true,
  build({ db, relay, log, config: c }) {
    const client = new NotificationClient(
      { baseUrl: c.NOTIFICATION_URL.replace(/\/+$/, ''), token: c.INTERNAL_TOKEN, timeoutMs: c.REWARDS_NOTIFY_TIMEOUT_MS, resetMs: c.REWARDS_NOTIFY_RESET_MS },
      log,
    );
    const dispatcher = new MessageDispatcher(db, client, log, {
      pollMs: c.REWARDS_MESSAGE_POLL_MS,
      timeoutMs: c.REWARDS_NOTIFY_TIMEOUT_MS,
      onCommit: () => relay.notify(),
    });
    let stopPruner: (() => Promise<void>) | undefined;
    return {
      resolvers: rewardsResolvers(db, dispatcher, () => relay.notify()),
      policies: rewardsPolicies,
      // A completed mission's message was recorded with it: send it now rather than at the next poll.
      afterCommit: () => dispatcher.notify(),
      async start() {
        dispatcher.start();
        stopPruner = startKeyPruner(db, c, log);
      },
      async stop() {
        await stopPruner?.();
        await dispatcher.stop();
        client.shutdown();
      },
    };
  },
};

export const startRewards = (env: NodeJS.ProcessEnv = process.env) => startContext(rewardsSpec, env);
