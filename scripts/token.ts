// `npm run token -- --role customer --sub c-33 [--store <storeId>] [--ttl 8h] [--json]`
// Prints a development JWT signed with the key pair the router generated (or generates it
// now) under DATA_DIR/dev-jwt. Development only: a production router trusts a JWKS URL or
// a configured public key, never this file.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { actorSchema, ROLES } from '../platform/auth';
import { DEFAULT_AUDIENCE, DEV_ISSUER, devKeyFileIn, loadOrCreateDevKeys, signToken } from '../router/auth';

async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', default: 'customer' },
      sub: { type: 'string' },
      store: { type: 'string' },
      ttl: { type: 'string', default: '8h' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: npm run -s token -- --role <${ROLES.join('|')}> --sub <id> [--store <storeId>] [--ttl 8h] [--json]

Prints only the token (a development JWT signed with the key pair in <DATA_DIR>/dev-jwt, made on
first use). Send it as the HTTP header  Authorization: Bearer <token>, or in graphql-ws
connectionParams { "authorization": "Bearer <token>" }. --json prints the token, the actor and the header.
Removing .data (or DATA_DIR) removes the key pair: every token issued before stops working.

Examples:
  npm run token -- --role customer --sub c-33
  npm run token -- --role store-staff --sub baker-1 --store <storeId>   (ids: { stores { id name } })
  npm run token -- --role admin --sub ops-1`);
    return;
  }
  if (process.env.NODE_ENV === 'production') throw new Error('npm run token is for development; production tokens come from your identity provider.');
  const sub = values.sub ?? (values.role === 'customer' ? 'c-33' : `${values.role}-1`);
  const actor = actorSchema.safeParse({ sub, role: values.role, storeId: values.store });
  if (!actor.success) throw new Error(actor.error.issues.map((i) => `${i.path.join('.') || 'token'}: ${i.message}`).join('\n'));
  const dataDir = resolve(process.env.DATA_DIR ?? resolve(process.cwd(), '.data'));
  const keys = await loadOrCreateDevKeys(devKeyFileIn(dataDir));
  const token = await signToken(keys.privateKey, actor.data, { kid: keys.kid, expiresIn: values.ttl, issuer: process.env.JWT_ISSUER ?? DEV_ISSUER, audience: process.env.JWT_AUDIENCE ?? DEFAULT_AUDIENCE });
  if (values.json) {
    console.log(JSON.stringify({ token, actor: actor.data, authorization: `Bearer ${token}`, expiresIn: values.ttl, keyFile: devKeyFileIn(dataDir), newKeyPair: keys.created }));
    return;
  }
  // Only the token, so that T=$(npm run -s token …) and pipes get exactly it; --help and --json say more.
  console.log(token);
}

main().catch((e) => {
  console.error(`token: ${(e as Error).message}`);
  process.exit(1);
});
