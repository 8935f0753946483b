import type { Logger } from '../../platform/logger';
import { addToOutbox, type OutboxRelay } from '../../platform/outbox';
import type { Metrics } from '../../platform/metrics';
import { nextTurn, WakeLoop } from '../../platform/wake-loop';
import type { Channel } from './channels';
import { MessageFailed, MessageSent } from './contracts';
import type { Message, NotificationDb } from './db';
import { nextAttemptAfterFailure, subjectRef, type MessageChannel, type RetryPolicy } from './rules';

export interface SenderOptions extends RetryPolicy {
  /** A send that takes longer fails (and is retried). */
  sendTimeoutMs: number;
  /** How often each channel looks for messages that became due (it is also woken after each commit). */
  pollMs: number;
  /** Counts sends by channel and outcome (ordergraph_notification_sends_total). */
  metrics?: Metrics;
}

/**
 * Sends recorded messages, one lane per configured channel, so a slow or failing channel
 * never delays another. A lane takes due messages (nextAttemptAt <= now) oldest first;
 * before sending it moves nextAttemptAt past the send's deadline (a lease): if the process
 * dies mid-send the message becomes due again and is sent again. Delivery is therefore
 * at least once; HTTP channels carry the message id so a receiver can drop a repeat.
 * After a send: SENT and MessageSent, or FAILED with the error and a back-off, or, after
 * the last attempt, FAILED for good (no nextAttemptAt) and MessageFailed, each in one
 * transaction with its event.
 */
export class MessageSender {
  private readonly lanes: Lane[];

  constructor(db: NotificationDb, relay: Pick<OutboxRelay, 'notify'>, log: Logger, channels: Map<MessageChannel, Channel>, opts: SenderOptions) {
    this.lanes = [...channels.values()].map((c) => new Lane(c, db, relay, log.child({ channel: c.name.toLowerCase() }), opts));
  }

  start(): void {
    for (const l of this.lanes) l.start();
  }

  /** New messages were committed: look for them now rather than at the next poll. */
  notify(): void {
    for (const l of this.lanes) l.notify();
  }

  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.stop()));
  }

  /** One pass of every lane (tests drive the sender by hand with it). */
  async drain(): Promise<number> {
    return (await Promise.all(this.lanes.map((l) => l.drain()))).reduce((a, b) => a + b, 0);
  }
}

class Lane {
  private readonly loop: WakeLoop;

  constructor(
    private readonly channel: Channel,
    private readonly db: NotificationDb,
    private readonly relay: Pick<OutboxRelay, 'notify'>,
    private readonly log: Logger,
    private readonly opts: SenderOptions,
  ) {
    this.loop = new WakeLoop(() => this.pass(true), { pollMs: opts.pollMs, log, failure: 'message sender pass failed' });
  }

  start(): void {
    this.loop.start();
  }

  notify(): void {
    this.loop.notify();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Sends every message of this channel that is due; returns how many were sent. */
  drain(): Promise<number> {
    return this.pass(false);
  }

  /** One pass; the running lane ends it early when stopped (what is left stays due for the next start). */
  private async pass(untilStopped: boolean): Promise<number> {
    let sent = 0;
    for (;;) {
      const due = await this.db.message.findMany({
        where: { channel: this.channel.name, nextAttemptAt: { lte: new Date() } },
        orderBy: [{ nextAttemptAt: 'asc' }, { createdAt: 'asc' }],
        take: 20,
      });
      let claimed = 0;
      for (const m of due) {
        if (untilStopped && this.loop.stopped) return sent;
        const outcome = await this.deliver(m);
        if (outcome !== 'taken') claimed++;
        if (outcome === 'sent') sent++;
        // SQLite runs on the event loop: let probes and requests in between two sends of a backlog.
        await nextTurn();
      }
      // Nothing due, or everything taken by another sender since it was read.
      if (claimed === 0) return sent;
    }
  }

  private async deliver(m: Message): Promise<'sent' | 'failed' | 'taken'> {
    // The lease: claimed only if no other sender (a replica on the same libsql server) claimed it since it was read.
    const leaseUntil = new Date(Date.now() + this.opts.sendTimeoutMs + 30_000);
    const { count } = await this.db.message.updateMany({ where: { id: m.id, nextAttemptAt: m.nextAttemptAt }, data: { nextAttemptAt: leaseUntil } });
    if (count === 0) return 'taken';

    const attempts = m.attempts + 1;
    const about = subjectRef(m.subjectKind, m.subjectId);
    const facts = { messageId: m.id, ...about, customerId: m.customerId, status: m.status, channel: this.channel.name, attempts };
    // The business case is the order or the reservation the message is about.
    const meta = { correlationId: m.subjectId, causationId: m.eventId };
    const channel = this.channel.name.toLowerCase();
    const started = performance.now();
    const sends = this.opts.metrics?.notification();
    try {
      await this.channel.send(
        { id: m.id, subjectKind: m.subjectKind, subjectId: m.subjectId, customerId: m.customerId, status: m.status, text: m.text },
        AbortSignal.timeout(this.opts.sendTimeoutMs),
      );
    } catch (e) {
      const error = (e as Error).message.slice(0, 500) || 'send failed';
      const next = nextAttemptAfterFailure(attempts, this.opts);
      sends?.duration.observe({ channel }, (performance.now() - started) / 1000);
      sends?.sends.inc({ channel, outcome: next ? 'failed' : 'gave_up' });
      await this.db.$transaction(async (tx) => {
        await tx.message.update({ where: { id: m.id }, data: { deliveryStatus: 'FAILED', attempts, lastError: error, nextAttemptAt: next } });
        if (!next) await addToOutbox(tx, MessageFailed, { ...facts, error, failedAt: new Date().toISOString() }, meta);
      });
      if (next) {
        this.log.warn({ messageId: m.id, ...about, attempts, retryAt: next.toISOString(), err: error }, 'send failed, will retry');
      } else {
        this.relay.notify();
        this.log.error({ messageId: m.id, ...about, attempts, err: error }, 'send failed, giving up');
      }
      return 'failed';
    }
    sends?.duration.observe({ channel }, (performance.now() - started) / 1000);
    sends?.sends.inc({ channel, outcome: 'sent' });
    const sentAt = new Date();
    await this.db.$transaction(async (tx) => {
      await tx.message.update({ where: { id: m.id }, data: { deliveryStatus: 'SENT', attempts, lastError: null, nextAttemptAt: null, sentAt } });
      await addToOutbox(tx, MessageSent, { ...facts, sentAt: sentAt.toISOString() }, meta);
    });
    this.relay.notify();
    this.log.debug({ messageId: m.id, ...about, attempts }, 'message sent');
    return 'sent';
  }
}
