import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase, type OpenedDatabase } from '../../platform/database';
import { ensureStream } from '../../platform/nats';
import { createDeliveryClient, type DeliveryDb } from '../../subgraphs/delivery/db';
import { createNotificationClient, type NotificationDb } from '../../subgraphs/notification/db';
import { openJetStream, type TestJetStream } from './jetstream';
import { startNatsServer, type TestNats } from './nats';
import { createTestDatabases, type TestDatabases } from './postgres';

/**
 * What a platform test of the event path needs, all real: a nats-server of its own with
 * JetStream (and a client), delivery's PostgreSQL database (a throwaway database on the test
 * server, migrated), with `sqlite: true` also notification's SQLite database (a file in `dir`),
 * and the DELIVERY stream. `close()` stops and removes everything (safe after a failed open).
 */
export interface EventTestbed {
  nats: TestNats;
  client: TestJetStream;
  dbs: TestDatabases;
  pgDb: OpenedDatabase<DeliveryDb>;
  sqliteDb?: OpenedDatabase<NotificationDb>;
  /** A temporary folder (the data dir, and the SQLite file). */
  dir: string;
  close(): Promise<void>;
}

/** Opens an EventTestbed; `name` labels its temporary folder (og_test_<name>-…). */
export async function openEventTestbed(name: string, opts: { sqlite?: boolean } = {}): Promise<EventTestbed> {
  const bed: Partial<EventTestbed> = {};
  const close = async () => {
    await bed.pgDb?.close();
    await bed.sqliteDb?.close();
    await bed.dbs?.drop();
    await bed.client?.close();
    await bed.nats?.stop();
    if (bed.dir) rmSync(bed.dir, { recursive: true, force: true });
  };
  try {
    bed.nats = await startNatsServer();
    bed.client = await openJetStream(bed.nats.url);
    bed.dbs = await createTestDatabases(['delivery']);
    bed.dir = mkdtempSync(join(tmpdir(), `og_test_${name}-`));
    bed.pgDb = await openDatabase({
      context: 'delivery',
      url: bed.dbs.url('delivery'),
      dataDir: bed.dir,
      migrationsDir: resolve(__dirname, '../../prisma/delivery/migrations'),
      createClient: createDeliveryClient,
    });
    if (opts.sqlite) {
      bed.sqliteDb = await openDatabase({
        context: 'notification',
        url: `file:${join(bed.dir, 'notification.db')}`,
        dataDir: bed.dir,
        migrationsDir: resolve(__dirname, '../../prisma/notification/migrations'),
        createClient: createNotificationClient,
      });
    }
    await ensureStream(bed.client.jsm, 'delivery');
  } catch (e) {
    await close();
    throw e;
  }
  return { ...(bed as EventTestbed), close };
}
