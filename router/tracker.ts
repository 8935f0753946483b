import { dirname, join, resolve } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';

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
  // A missing file (a browser's favicon guess, a typo) is a plain 404, not an error with a stack in the router's log.
  app.use('/tracker', (err: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.status !== 404 || res.headersSent) return next(err);
    res.status(404).type('text/plain').send('Not found');
  });
}
