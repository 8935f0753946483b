// Inspect and replay a context's dead letters (events its policies could not handle):
//   npm run dead-letters -- delivery                 list them
//   npm run dead-letters -- delivery replay <id>     run one through its policy again
// Talks to the running context's internal endpoint; set <CONTEXT>_URL (e.g.
// DELIVERY_URL=http://10.0.0.5:4004) and INTERNAL_TOKEN when it is not local.
import { DEV_INTERNAL_TOKEN } from '../platform/config';
import { INTERNAL_TOKEN_HEADER } from '../platform/service';
import { CONTEXT_NAMES, CONTEXTS, isContextName } from '../subgraphs/registry';

const [context, action, id] = process.argv.slice(2);
if (!context || !isContextName(context) || (action && (action !== 'replay' || !id))) {
  console.error(`usage: npm run dead-letters -- <${CONTEXT_NAMES.join('|')}> [replay <id>]`);
  process.exit(2);
}
const base = process.env[`${context.toUpperCase()}_URL`] ?? `http://127.0.0.1:${CONTEXTS[context].port}`;
const headers = { [INTERNAL_TOKEN_HEADER]: process.env.INTERNAL_TOKEN ?? DEV_INTERNAL_TOKEN };

async function main(): Promise<void> {
  const res = action
    ? await fetch(`${base}/internal/dead-letters/${encodeURIComponent(id)}/replay`, { method: 'POST', headers })
    : await fetch(`${base}/internal/dead-letters`, { headers });
  const body = (await res.json()) as unknown;
  if (!res.ok) {
    console.error(`${context} answered ${res.status}:`, body);
    process.exit(1);
  }
  if (action) return console.log(body);
  const rows = body as Array<{ id: string; consumer: string; subject: string; deliveries: number; error: string; createdAt: string; replayedAt: string | null }>;
  if (rows.length === 0) return console.log(`${context}: no dead letters`);
  for (const r of rows) {
    console.log(`${r.id}  ${r.createdAt}  ${r.consumer}  ${r.subject}  deliveries=${r.deliveries}${r.replayedAt ? `  replayed ${r.replayedAt}` : ''}\n    ${r.error}`);
  }
}

main().catch((e: Error) => {
  console.error(`Cannot reach ${context} at ${base}: ${e.message}`);
  process.exit(1);
});
