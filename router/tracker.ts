import { dirname, join, resolve } from 'node:path';
import express, { type Express } from 'express';

/**
 * The order tracker: a small page served by the router at /tracker. Sign in with a token
 * (`npm run token -- --role customer --sub c-33`), see my orders, place one from the bakery
 * and watch its status timeline move live (graphql-ws subscription `myOrderStatusChanged`,
 * resumed with `after` when the connection comes back).
 */
export function mountTracker(app: Express): void {
  const umd = join(dirname(require.resolve('graphql-ws/package.json')), 'umd', 'graphql-ws.min.js');
  app.get('/tracker/graphql-ws.js', (_req, res) => res.type('application/javascript').sendFile(umd));
  app.use('/tracker', express.static(resolve(__dirname, 'tracker'), { index: 'index.html', fallthrough: false }));
}
