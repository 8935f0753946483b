import { PrismaClient, type Prisma } from '../../prisma/delivery/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type DeliveryDb = PrismaClient;
export type DeliveryTx = Prisma.TransactionClient;
export type { Delivery } from '../../prisma/delivery/generated/client';
export const createDeliveryClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
