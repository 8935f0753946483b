import type { EventData } from '../../platform/events';
import type { MissionUpdated } from './contracts';
import type { RewardsTx } from './db';

/**
 * Applies one MissionUpdated to the mission page. Events of one mission may arrive in any
 * order after a redelivery: only a newer version changes the row, so an old one never wins.
 */
export async function applyMissionUpdated(tx: RewardsTx, m: EventData<typeof MissionUpdated>): Promise<void> {
  const fields = {
    customerId: m.customerId,
    kind: m.kind,
    status: m.status,
    progress: m.progress,
    target: m.target,
    rewardId: m.rewardId,
    messageId: m.messageId,
    messageStatus: m.messageStatus,
    version: m.version,
    completedAt: m.completedAt ? new Date(m.completedAt) : null,
    updatedAt: new Date(m.updatedAt),
  };
  await tx.missionView.upsert({ where: { missionId: m.missionId }, create: { missionId: m.missionId, ...fields }, update: {} });
  await tx.missionView.updateMany({ where: { missionId: m.missionId, version: { lt: m.version } }, data: fields });
}
