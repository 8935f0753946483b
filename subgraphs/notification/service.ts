import { z } from 'zod';
import { startContext, type ContextSpec } from '../../platform/service';
import { createChannels } from './channels';
import { createNotificationClient, type NotificationDb, type NotificationTx } from './db';
import { messageRequestSchema, recordRequestedMessage } from './message-requests';
import { notificationPolicies } from './policies';
import { notificationContext, notificationResolvers, type NotificationContext } from './resolvers';
import { parseChannelList } from './rules';
import { MessageSender } from './sender';

const channelList = z
  .string()
  .default('log')
  .transform((text, ctx) => {
    const parsed = parseChannelList(text);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.channels;
  });

const config = z
  .object({
    /** Where every message goes, e.g. `log,telegram`: log, webhook, telegram, kakao. */
    NOTIFY_CHANNELS: channelList,
    NOTIFY_WEBHOOK_URL: z.url().optional(),
    TELEGRAM_API_URL: z.url().default('https://api.telegram.org'),
    TELEGRAM_BOT_TOKEN: z.string().min(1).optional(),
    /** A fixed chat (a shop's channel); without it the customer id is the chat id. */
    TELEGRAM_CHAT_ID: z.string().min(1).optional(),
    KAKAO_WEBHOOK_URL: z.url().optional(),
    KAKAO_TOKEN: z.string().min(1).optional(),
    NOTIFY_SEND_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
    /** Sends tried before a message is given up (FAILED, MessageFailed). */
    NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    /** Back-off before the first retry; doubles each time, at most 5 minutes. */
    NOTIFY_RETRY_BASE_MS: z.coerce.number().int().positive().default(1000),
    NOTIFY_POLL_MS: z.coerce.number().int().positive().default(1000),
  })
  .superRefine((c, ctx) => {
    const need = (channel: string, variable: keyof typeof c) => {
      if (c.NOTIFY_CHANNELS.includes(channel as never) && !c[variable]) {
        ctx.addIssue({ code: 'custom', path: [variable], message: `is required when NOTIFY_CHANNELS has ${channel.toLowerCase()}` });
      }
    };
    need('WEBHOOK', 'NOTIFY_WEBHOOK_URL');
    need('TELEGRAM', 'TELEGRAM_BOT_TOKEN');
    need('KAKAO', 'KAKAO_WEBHOOK_URL');
  });
export type NotificationConfig = z.infer<typeof config>;

/**
 * Messages to customers. Runs on its own SQLite database (polyglot persistence): a log of
 * messages only notification reads and writes, where an embedded file is all it needs.
 */
export const notificationSpec: ContextSpec<NotificationDb, NotificationTx, NotificationConfig, NotificationContext> = {
  name: 'notification',
  defaultPort: 4006,
  dir: __dirname,
  createClient: createNotificationClient,
  config,
  produces: true,
  build({ db, relay, log, config: c, metrics }) {
    const channels = createChannels(c.NOTIFY_CHANNELS, c, log);
    const sender = new MessageSender(db, relay, log, channels, {
      sendTimeoutMs: c.NOTIFY_SEND_TIMEOUT_MS,
      maxAttempts: c.NOTIFY_MAX_ATTEMPTS,
      baseMs: c.NOTIFY_RETRY_BASE_MS,
      pollMs: c.NOTIFY_POLL_MS,
      metrics,
    });
    return {
      resolvers: notificationResolvers(db),
      requestContext: () => notificationContext(db),
      policies: notificationPolicies(c.NOTIFY_CHANNELS),
      // Messages a policy recorded are sent right after its commit, outside the transaction.
      afterCommit: () => sender.notify(),
      internalRoutes(router) {
        // Generic intake: any context may ask for a message to a customer (rewards' missions and gifts).
        router.post('/messages', async (req, res) => {
          const parsed = messageRequestSchema.safeParse(req.body);
          if (!parsed.success) return void res.status(400).json({ code: 'BAD_USER_INPUT', message: z.prettifyError(parsed.error) });
          const ids = await recordRequestedMessage(db, c.NOTIFY_CHANNELS, parsed.data);
          sender.notify();
          log.info({ source: parsed.data.source, correlationId: parsed.data.correlationId, messageIds: ids }, 'message requested');
          res.status(201).json({ messageId: ids[0], messageIds: ids });
        });
      },
      async start() {
        log.info({ channels: c.NOTIFY_CHANNELS.map((n) => n.toLowerCase()) }, 'notification channels');
        sender.start();
      },
      stop: () => sender.stop(),
    };
  },
};

export const startNotification = (env: NodeJS.ProcessEnv = process.env) => startContext(notificationSpec, env);
