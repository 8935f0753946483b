import type { EventData } from '../../platform/events';
import type { MissionUpdated } from './contracts';
import type { RewardsTx } from './db';

/**
 * Applies one MissionUpdated to the mission page. Events of one mission may arrive in any
 * order after a redelivery: only a newer version changes the row, so an old one never wins.
 * One statement (INSERT ... ON CONFLICT ... WHERE older version), not an upsert and an update.
 */
export async function applyMissionUpdated(tx: RewardsTx, m: EventData<typeof MissionUpdated>): Promise<void> {
  const completedAt = m.completedAt ? new Date(m.completedAt) : null;
  await tx.$executeRaw`
    INSERT INTO "MissionView" ("missionId", "customerId", "kind", "status", "progress", "target", "rewardId", "messageId", "messageStatus", "version", "completedAt", "updatedAt")
    VALUES (${m.missionId}, ${m.customerId}, ${m.kind}::"MissionKind", ${m.status}::"MissionStatus", ${m.progress}, ${m.target}, ${m.rewardId}, ${m.messageId},
      ${m.messageStatus}::"MessageStatus", ${m.version}, ${completedAt}, ${new Date(m.updatedAt)})
    ON CONFLICT ("missionId") DO UPDATE SET "customerId" = EXCLUDED."customerId", "kind" = EXCLUDED."kind", "status" = EXCLUDED."status",
      "progress" = EXCLUDED."progress", "target" = EXCLUDED."target", "rewardId" = EXCLUDED."rewardId", "messageId" = EXCLUDED."messageId",
      "messageStatus" = EXCLUDED."messageStatus", "version" = EXCLUDED."version", "completedAt" = EXCLUDED."completedAt", "updatedAt" = EXCLUDED."updatedAt"
    WHERE "MissionView"."version" < EXCLUDED."version"`;
}
