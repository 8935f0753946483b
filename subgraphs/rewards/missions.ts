import { addToOutbox } from '../../platform/outbox';
import { MissionCompleted, MissionUpdated, RewardGranted } from './contracts';
import type { Mission, RewardsTx } from './db';
import { advance, MISSIONS, missionDefinition, missionMessageText, type PaidOrder } from './rules';
import { newId } from '../../platform/ids';

/** The customer's missions, one per kind, created (and announced) on first sight of the customer. */
export async function ensureMissions(tx: RewardsTx, customerId: string, causationId: string): Promise<Mission[]> {
  const existing = await tx.mission.findMany({ where: { customerId }, orderBy: { kind: 'asc' } });
  if (existing.length === MISSIONS.length) return existing;
  for (const def of MISSIONS) {
    if (existing.some((m) => m.kind === def.kind)) continue;
    // A concurrent handler creating the same mission makes this fail (unique customer+kind); the retry finds it.
    const m = await tx.mission.create({ data: { id: newId(), customerId, kind: def.kind, target: def.target, rewardPoints: def.rewardPoints } });
    await announceMission(tx, m, causationId);
  }
  return tx.mission.findMany({ where: { customerId }, orderBy: { kind: 'asc' } });
}

export async function announceMission(tx: RewardsTx, m: Mission, causationId: string | null): Promise<void> {
  await addToOutbox(
    tx,
    MissionUpdated,
    {
      missionId: m.id,
      customerId: m.customerId,
      kind: m.kind,
      status: m.status,
      progress: m.progress,
      target: m.target,
      rewardId: m.rewardId,
      messageId: m.messageId,
      messageStatus: m.messageStatus,
      completedAt: m.completedAt?.toISOString() ?? null,
      version: m.version,
      updatedAt: m.updatedAt.toISOString(),
    },
    { correlationId: m.id, causationId },
  );
}

/**
 * A paid order counts once for every mission it fits that is still open. Reaching the
 * target completes the mission, grants its reward (points in the wallet), and queues its
 * Telegram message — one transaction, so a mission is never completed without its reward,
 * and each of MissionCompleted, RewardGranted and MissionUpdated is written exactly once.
 * Idempotent per (mission, order): the same order told again (a republished event) counts nothing.
 */
export async function countOrder(tx: RewardsTx, customerId: string, orderId: string, order: PaidOrder, causationId: string): Promise<void> {
  const missions = await ensureMissions(tx, customerId, causationId);
  for (const m of missions) {
    const def = missionDefinition(m.kind);
    if (m.status !== 'IN_PROGRESS' || !def.counts(order)) continue;
    const { count: counted } = await tx.missionOrder.createMany({ data: [{ missionId: m.id, orderId }], skipDuplicates: true });
    if (counted === 0) continue;
    const next = advance(m.progress, m.target);
    const now = new Date();
    const rewardId = next.completed ? newId() : null;
    // Guarded by the version read: a concurrent handler (another replica) makes this one retry.
    // update() answers the row as written (one round trip, no read after the write).
    const updated = await tx.mission
      .update({
        where: { id: m.id, version: m.version },
        data: {
          progress: next.progress,
          version: m.version + 1,
          updatedAt: now,
          ...(next.completed ? { status: 'COMPLETED', completedAt: now, rewardId, messageStatus: 'QUEUED' } : {}),
        },
      })
      .catch((e: unknown) => {
        if ((e as { code?: unknown }).code === 'P2025') throw new Error(`mission ${m.id} changed concurrently`);
        throw e;
      });
    if (next.completed) {
      const meta = { correlationId: m.id, causationId };
      await addToOutbox(tx, MissionCompleted, { missionId: m.id, customerId, kind: m.kind, completedAt: now.toISOString() }, meta);
      await tx.reward.create({ data: { id: rewardId!, missionId: m.id, customerId, points: m.rewardPoints, grantedAt: now } });
      await tx.wallet.upsert({ where: { customerId }, create: { customerId, points: m.rewardPoints }, update: { points: { increment: m.rewardPoints } } });
      await addToOutbox(tx, RewardGranted, { rewardId: rewardId!, missionId: m.id, customerId, points: m.rewardPoints, grantedAt: now.toISOString() }, meta);
      // The message is sent after the commit (messages.ts); recorded here so it is never lost.
      await tx.outgoingMessage.create({
        data: { id: newId(), customerId, text: missionMessageText(def.title, m.rewardPoints), subjectKind: 'MISSION', subjectId: m.id },
      });
    }
    await announceMission(tx, updated, causationId);
  }
}
