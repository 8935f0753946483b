import { PrismaClient, type Prisma } from '../../prisma/rewards/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type RewardsDb = PrismaClient;
export type RewardsTx = Prisma.TransactionClient;
export type { Gift, MessageStatus, Mission, MissionView, OutgoingMessage } from '../../prisma/rewards/generated/client';
export const createRewardsClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
