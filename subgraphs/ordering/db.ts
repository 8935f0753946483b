import { PrismaClient, type Prisma } from '../../prisma/ordering/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type OrderingDb = PrismaClient;
export type OrderingTx = Prisma.TransactionClient;
export type { Order, CatalogProduct } from '../../prisma/ordering/generated/client';
export const createOrderingClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
