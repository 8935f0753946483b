import { PrismaClient, type Prisma } from '../../prisma/payment/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type PaymentDb = PrismaClient;
export type PaymentTx = Prisma.TransactionClient;
export type { Payment } from '../../prisma/payment/generated/client';
export const createPaymentClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
