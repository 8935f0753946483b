// A plain @apollo/gateway, as a user would start one, for `npm run bench`'s router comparison:
// the same supergraph file and subgraphs as ordergraph's router, @apollo/server's standalone
// HTTP server, no JWT verification, no guard rails, no tracing, no metrics. It forwards the
// client's `x-ordergraph-actor` header and adds the router-only token, because the subgraphs
// only answer the router (platform/service.ts) — that is the whole of its "auth".
//   PORT=4100 SUPERGRAPH_PATH=/tmp/supergraph.graphql ROUTER_TOKEN=… node --import tsx scripts/lib/bench/plain-gateway.ts
// It prints "listening <url>" when it serves.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ACTOR_HEADER } from '../../../platform/auth';
import { DEV_ROUTER_TOKEN } from '../../../platform/config';
import { ROUTER_TOKEN_HEADER } from '../../../platform/service';

interface Ctx {
  actor?: string;
}

async function main(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const routerToken = process.env.ROUTER_TOKEN ?? DEV_ROUTER_TOKEN;
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8'),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<Ctx>({
        url,
        willSendRequest({ request, context }) {
          request.http?.headers.set(ROUTER_TOKEN_HEADER, routerToken);
          if (context.actor) request.http?.headers.set(ACTOR_HEADER, context.actor);
        },
      }),
  });
  const server = new ApolloServer<Ctx>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT), host: '127.0.0.1' },
    context: async ({ req }) => ({ actor: req.headers[ACTOR_HEADER] as string | undefined }),
  });
  console.log(`listening ${url}`);
  const stop = () => void server.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
