import { PrismaClient, type Prisma } from '../../prisma/inventory/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type InventoryDb = PrismaClient;
export type InventoryTx = Prisma.TransactionClient;
export type { CatalogProduct, Stock, StockHold, StockMovement } from '../../prisma/inventory/generated/client';
export const createInventoryClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
