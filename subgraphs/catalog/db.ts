import { PrismaClient, type Prisma } from '../../prisma/catalog/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type CatalogDb = PrismaClient;
export type CatalogTx = Prisma.TransactionClient;
export type { Product, Store } from '../../prisma/catalog/generated/client';
export const createCatalogClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
