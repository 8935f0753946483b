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
 * never delays another. A lane takes due messages (nextAttemptAt <= now) oldest first, a few
 * at a time; before sending them it moves their nextAttemptAt past the deadline of sending
 * them one after another (a lease): if the process dies mid-send they become due again and
 * are sent again. Delivery is therefore
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

/** Messages a lane claims at once: their lease covers sending them one after another. */
const CLAIM = 8;

/** Orders rows as their ids were listed (RETURNING gives no order). */
const byDueOrder = (ids: string[]) => {
  const rank = new Map(ids.map((id, i) => [id, i]));
  return (a: { id: string }, b: { id: string }) => rank.get(a.id)! - rank.get(b.id)!;
};

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

  /**
   * One pass; the running lane ends it early when stopped (what is left becomes due again at once).
   * Messages are claimed a few at a time (CLAIM) in one statement, not one lease write each:
   * the claim moves their nextAttemptAt past the deadline of sending all of them one after
   * another (the lease, see MessageSender), so no other sender takes them meanwhile and a
   * crash leaves them due again once it ran out.
   */
  private async pass(untilStopped: boolean): Promise<number> {
    let sent = 0;
    for (;;) {
      const now = new Date();
      const due = await this.db.message.findMany({
        where: { channel: this.channel.name, nextAttemptAt: { lte: now } },
        orderBy: [{ nextAttemptAt: 'asc' }, { createdAt: 'asc' }],
        take: CLAIM,
        select: { id: true, nextAttemptAt: true },
      });
      if (due.length === 0) return sent;
      const leaseUntil = new Date(Date.now() + due.length * this.opts.sendTimeoutMs + 30_000);
      // Claimed only if still due: another sender (a replica on the same libsql server) that claimed one since moved it on.
      const claimed = await this.db.message.updateManyAndReturn({
        where: { id: { in: due.map((m) => m.id) }, channel: this.channel.name, nextAttemptAt: { lte: now } },
        data: { nextAttemptAt: leaseUntil },
      });
      // Everything taken by another sender since it was read.
      if (claimed.length === 0) return sent;
      claimed.sort(byDueOrder(due.map((m) => m.id)));
      for (let i = 0; i < claimed.length; i++) {
        if (untilStopped && this.loop.stopped) {
          await this.release(claimed.slice(i), leaseUntil, due);
          return sent;
        }
        if ((await this.deliver(claimed[i])) === 'sent') sent++;
        // SQLite runs on the event loop: let probes and requests in between two sends of a backlog.
        await nextTurn();
      }
    }
  }

  /**
   * Gives back claimed messages not sent (the lane stopped): due again as they were before the
   * claim (their place in the order kept), for the next start or another replica.
   */
  private async release(messages: Message[], leaseUntil: Date, before: Array<{ id: string; nextAttemptAt: Date | null }>): Promise<void> {
    const was = new Map(before.map((m) => [m.id, m.nextAttemptAt]));
    for (const m of messages) await this.db.message.updateMany({ where: { id: m.id, nextAttemptAt: leaseUntil }, data: { nextAttemptAt: was.get(m.id) ?? new Date() } });
  }

  /** Sends one claimed message and records the outcome with its event. */
  private async deliver(m: Message): Promise<'sent' | 'failed'> {
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
