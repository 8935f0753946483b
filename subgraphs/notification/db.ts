import { PrismaClient, type Prisma } from '../../prisma/notification/generated/client';
import type { DriverAdapter } from '../../platform/database';

// Notification's database is SQLite (prisma/notification/schema.prisma): the platform opens it
// with the libsql adapter, from DATABASE_URL_NOTIFICATION or the file under DATA_DIR.
export type NotificationDb = PrismaClient;
export type NotificationTx = Prisma.TransactionClient;
export type { Message } from '../../prisma/notification/generated/client';
export const createNotificationClient = (adapter: DriverAdapter) => new PrismaClient({ adapter });
