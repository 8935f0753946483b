// Jest globalTeardown: stops the embedded PostgreSQL global-setup.ts started, if it did.
export default async function globalTeardown(): Promise<void> {
  await globalThis.__ogEmbeddedPostgres?.stop();
  globalThis.__ogEmbeddedPostgres = undefined;
}
