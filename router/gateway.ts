import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { createLogger } from '../platform/logger';
import { ROUTER_TOKEN_HEADER } from '../platform/service';
import { subgraphsOf } from './compose';
import { loadRouterConfig } from './config';

export interface RunningRouter {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * The single public entry point: @apollo/gateway over the committed, statically
 * composed supergraph. It adds the router-only token to every subgraph request;
 * subgraphs refuse GraphQL without it.
 */
export async function startRouter(env: NodeJS.ProcessEnv = process.env): Promise<RunningRouter> {
  const config = loadRouterConfig(env);
  const log = createLogger('router', env);
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  const urls = { ...subgraphsOf(supergraphSdl), ...config.subgraphUrls };

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url: urls[name] ?? url,
        willSendRequest({ request }) {
          request.http?.headers.set(ROUTER_TOKEN_HEADER, config.ROUTER_TOKEN);
        },
        fetcher: (input, init) => fetch(input as string, { ...(init as RequestInit), signal: AbortSignal.timeout(config.SUBGRAPH_TIMEOUT_MS) }) as never,
      }),
  });

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const server = new ApolloServer({
    gateway,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo Sandbox in development (it loads its UI from Apollo's CDN); a plain page in production.
      config.production ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
    ],
    introspection: !config.production,
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
  });
  await server.start();

  app.get('/health/live', (_req, res) => void res.json({ status: 'ok', service: 'router' }));
  app.get('/health/ready', async (_req, res) => {
    const checks = Object.fromEntries(
      await Promise.all(
        Object.entries(urls).map(async ([name, url]) => {
          const health = url.replace(/\/graphql\/?$/, '/health/ready');
          const ok = await fetch(health, { signal: AbortSignal.timeout(2000) }).then(
            (r) => r.ok,
            () => false,
          );
          return [name, ok] as const;
        }),
      ),
    );
    const ok = Object.values(checks).every(Boolean);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', service: 'router', subgraphs: checks });
  });
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(server));

  await new Promise<void>((resolve) => httpServer.listen(config.PORT, config.HOST, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/graphql`;
  log.info({ url, subgraphs: urls }, 'router ready');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        httpServer.closeIdleConnections();
        log.info('router stopped');
      })()),
  };
}
