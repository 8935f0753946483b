import { PrismaClient, type Prisma } from '../../prisma/timeline/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type TimelineDb = PrismaClient;
export type TimelineTx = Prisma.TransactionClient;
export const createTimelineClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
