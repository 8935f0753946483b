// Hive Gateway (@graphql-hive/gateway's runtime) on the same supergraph file and subgraphs as
// ordergraph's router, for `npm run bench`'s router comparison. Like the plain gateway
// (plain-gateway.ts) it verifies no JWT: it forwards the client's `x-ordergraph-actor` header
// and adds the router-only token the subgraphs require.
//   PORT=4101 SUPERGRAPH_PATH=… DEDUPE=on|off node --import tsx scripts/lib/bench/hive-gateway.ts
// DEDUPE=off turns off Hive's in-flight deduplication of identical subgraph requests (on by
// default in Hive Gateway: its HTTP transport's deduplicateInflightRequests). Prints "listening <url>".
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { ACTOR_HEADER } from '../../../platform/auth';
import { DEV_ROUTER_TOKEN } from '../../../platform/config';
import { ROUTER_TOKEN_HEADER } from '../../../platform/service';

async function main(): Promise<void> {
  const routerToken = process.env.ROUTER_TOKEN ?? DEV_ROUTER_TOKEN;
  const dedupe = process.env.DEDUPE !== 'off';
  const runtime = createGatewayRuntime({
    supergraph: process.env.SUPERGRAPH_PATH!,
    logging: 'error',
    graphqlEndpoint: '/graphql',
    landingPage: false,
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: dedupe } as Record<string, unknown> } },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => {
        const actor = request.headers.get(ACTOR_HEADER);
        return { [ROUTER_TOKEN_HEADER]: routerToken, ...(actor ? { [ACTOR_HEADER]: actor } : {}) };
      },
    },
  } as Parameters<typeof createGatewayRuntime>[0]);
  const server = createServer(runtime);
  const port = Number(process.env.PORT);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  console.log(`listening http://127.0.0.1:${port}/graphql (in-flight deduplication ${dedupe ? 'on' : 'off'})`);
  const stop = () => void Promise.resolve(runtime.dispose()).finally(() => server.close(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
