import { PrismaClient, type Prisma } from '../../prisma/mypage/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type MypageDb = PrismaClient;
export type MypageTx = Prisma.TransactionClient;
export type { OrderView, ReservationView, StockItem } from '../../prisma/mypage/generated/client';
export const createMypageClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
