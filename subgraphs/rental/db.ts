import { PrismaClient, type Prisma } from '../../prisma/rental/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type RentalDb = PrismaClient;
export type RentalTx = Prisma.TransactionClient;
export type { CatalogProduct, Reservation } from '../../prisma/rental/generated/client';
export const createRentalClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
