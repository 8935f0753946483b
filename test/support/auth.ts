import { exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import type { Actor } from '../../platform/auth';
import { signToken } from '../../router/auth';

/** Actors for tests: the identities the router passes to subgraphs. */
export const as = {
  customer: (id: string): Actor => ({ sub: id, role: 'customer' }),
  staff: (storeId: string, sub = `staff-of-${storeId}`): Actor => ({ sub, role: 'store-staff', storeId }),
  courier: (sub = 'courier-1'): Actor => ({ sub, role: 'courier' }),
  stockManager: (sub = 'stock-manager-1'): Actor => ({ sub, role: 'stock-manager' }),
  admin: (sub = 'admin-1'): Actor => ({ sub, role: 'admin' }),
};

export interface TestKeys {
  privateKey: CryptoKey;
  /** PEM for the router's JWT_PUBLIC_KEY. */
  publicPem: string;
  /** A token for the actor, signed with these keys, as the router expects (issuer ordergraph-dev, audience ordergraph). */
  token(actor: Actor, opts?: { expiresIn?: string | number; issuer?: string; audience?: string }): Promise<string>;
}

/** A fresh ES256 key pair for one test file's router. */
export async function createTestKeys(): Promise<TestKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicPem = await exportSPKI(publicKey);
  return { privateKey, publicPem, token: (actor, opts = {}) => signToken(privateKey, actor, opts) };
}
