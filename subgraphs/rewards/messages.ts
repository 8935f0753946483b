import type { Logger } from '../../platform/logger';
import { WakeLoop } from '../../platform/wake-loop';
import { backoffMs } from '../../platform/outbox';
import type { MessageStatus, Mission, OutgoingMessage, RewardsDb, RewardsTx } from './db';
import { announceMission } from './missions';
import type { NotificationClient } from './notification-client';

/** QUEUED: notification did not take it (yet); REQUESTED or SENT: it did. */
export type SendOutcome = 'QUEUED' | 'REQUESTED' | 'SENT';

/**
 * Sends the messages rewards recorded (a completed mission's, a used gift's) to notification,
 * and retries what failed: a row stays QUEUED with a back-off until notification accepted it.
 * Before a send the row is leased (nextAttemptAt moved past the call's deadline), so the
 * retry loop and a synchronous `useGift` never send the same row at once.
 * When notification accepted it, the mission (MissionUpdated, messageStatus REQUESTED) or the
 * gift records it, in one transaction with the row; notification's MessageSent makes it SENT.
 */
export class MessageDispatcher {
  private readonly loop: WakeLoop;

  constructor(
    private readonly db: RewardsDb,
    private readonly client: Pick<NotificationClient, 'send'>,
    private readonly log: Logger,
    private readonly opts: { pollMs: number; timeoutMs: number; onCommit: () => void },
  ) {
    this.loop = new WakeLoop(() => this.drain(), { pollMs: opts.pollMs, log, failure: 'message dispatch pass failed' });
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

  /** Sends every due message once; returns how many notification accepted. */
  async drain(): Promise<number> {
    const due = await this.db.outgoingMessage.findMany({
      where: { status: 'QUEUED', nextAttemptAt: { lte: new Date() } },
      orderBy: { nextAttemptAt: 'asc' },
      take: 50,
    });
    let sent = 0;
    for (const m of due) if ((await this.send(m)) === 'SENT') sent++;
    return sent;
  }

  /** Until when a message recorded for a synchronous send is held back from the retry loop. */
  leaseUntil(): Date {
    return new Date(Date.now() + this.opts.timeoutMs + 30_000);
  }

  /** Tries one recorded message now (the synchronous path of useGift). */
  async sendNow(subjectKind: 'MISSION' | 'GIFT', subjectId: string): Promise<SendOutcome> {
    const m = await this.db.outgoingMessage.findUnique({ where: { subjectKind_subjectId: { subjectKind, subjectId } } });
    if (!m) return 'QUEUED';
    if (m.status !== 'QUEUED') return m.status === 'NONE' ? 'QUEUED' : m.status;
    return this.send(m);
  }

  private async send(m: OutgoingMessage): Promise<SendOutcome> {
    const lease = this.leaseUntil();
    const { count } = await this.db.outgoingMessage.updateMany({ where: { id: m.id, status: 'QUEUED', nextAttemptAt: m.nextAttemptAt }, data: { nextAttemptAt: lease } });
    if (count === 0) return 'QUEUED';
    const attempts = m.attempts + 1;
    let messageId: string;
    try {
      ({ messageId } = await this.client.send({ customerId: m.customerId, text: m.text, correlationId: m.subjectId, source: 'rewards' }));
    } catch (e) {
      const error = String((e as Error).message).slice(0, 500) || 'send failed';
      const retryAt = new Date(Date.now() + Math.round(backoffMs(attempts, 1000, 60_000)));
      await this.db.outgoingMessage.update({ where: { id: m.id }, data: { attempts, lastError: error, nextAttemptAt: retryAt } });
      this.log.warn({ subject: m.subjectKind, id: m.subjectId, attempts, err: error }, 'message not accepted by notification, queued for retry');
      return 'QUEUED';
    }
    const outcome = await this.db.$transaction(async (tx) => {
      await tx.outgoingMessage.update({ where: { id: m.id }, data: { attempts, lastError: null } });
      await advanceMessage(tx, m, 'REQUESTED', messageId, null);
      return (await tx.outgoingMessage.findUniqueOrThrow({ where: { id: m.id } })).status;
    });
    this.opts.onCommit();
    return outcome === 'QUEUED' || outcome === 'NONE' ? 'QUEUED' : outcome;
  }
}

/**
 * Moves a message, and its mission or gift, forward to REQUESTED (notification accepted it)
 * or SENT (notification's MessageSent); never back: MessageSent may arrive before the HTTP
 * answer is recorded. A mission's change is announced (MissionUpdated, keyed by the mission id).
 * Returns false when the message was already there or past it (a repeat changes nothing).
 */
export async function advanceMessage(tx: RewardsTx, m: OutgoingMessage, to: 'REQUESTED' | 'SENT', messageId: string, causationId: string | null): Promise<boolean> {
  const now = new Date();
  const from: MessageStatus[] = to === 'SENT' ? ['QUEUED', 'REQUESTED'] : ['QUEUED'];
  const { count } = await tx.outgoingMessage.updateMany({
    where: { id: m.id, status: { in: from } },
    // The first id notification gave (one per channel) names the message.
    data: { status: to, messageId: m.messageId ?? messageId, ...(to === 'SENT' ? { sentAt: now } : {}) },
  });
  if (count === 0) return false;
  if (m.subjectKind === 'GIFT') {
    const gift = await tx.gift.findUniqueOrThrow({ where: { id: m.subjectId } });
    await tx.gift.update({ where: { id: gift.id }, data: { messageStatus: to, messageId: gift.messageId ?? messageId } });
    return true;
  }
  // One statement (no read before the write): the first message id stays, the version moves on.
  const [updated] = await tx.$queryRaw<Mission[]>`
    UPDATE "Mission" SET "messageStatus" = ${to}::"MessageStatus", "messageId" = COALESCE("messageId", ${messageId}),
      "version" = "version" + 1, "updatedAt" = ${now}
    WHERE "id" = ${m.subjectId} RETURNING *`;
  if (!updated) throw new Error(`mission ${m.subjectId} of message ${m.id} not found`);
  await announceMission(tx, updated, causationId);
  return true;
}
