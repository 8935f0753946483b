import type { RunningContext } from '../platform/service';

/**
 * Every bounded context, its default port and how to start it. The launcher, the
 * one-context runner, the dead-letter tool and the test stack all read this list:
 * a new context is one line here (plus its entry in supergraph.yaml).
 */
export const CONTEXTS = {
  catalog: { port: 4001, start: (env: NodeJS.ProcessEnv) => import('./catalog/service').then((m) => m.startCatalog(env)) },
  ordering: { port: 4002, start: (env: NodeJS.ProcessEnv) => import('./ordering/service').then((m) => m.startOrdering(env)) },
  payment: { port: 4003, start: (env: NodeJS.ProcessEnv) => import('./payment/service').then((m) => m.startPayment(env)) },
  delivery: { port: 4004, start: (env: NodeJS.ProcessEnv) => import('./delivery/service').then((m) => m.startDelivery(env)) },
  mypage: { port: 4005, start: (env: NodeJS.ProcessEnv) => import('./mypage/service').then((m) => m.startMypage(env)) },
  notification: { port: 4006, start: (env: NodeJS.ProcessEnv) => import('./notification/service').then((m) => m.startNotification(env)) },
  inventory: { port: 4007, start: (env: NodeJS.ProcessEnv) => import('./inventory/service').then((m) => m.startInventory(env)) },
  rental: { port: 4008, start: (env: NodeJS.ProcessEnv) => import('./rental/service').then((m) => m.startRental(env)) },
  rewards: { port: 4009, start: (env: NodeJS.ProcessEnv) => import('./rewards/service').then((m) => m.startRewards(env)) },
  timeline: { port: 4010, start: (env: NodeJS.ProcessEnv) => import('./timeline/service').then((m) => m.startTimeline(env)) },
} satisfies Record<string, { port: number; start: (env: NodeJS.ProcessEnv) => Promise<RunningContext<any>> }>;

export type ContextName = keyof typeof CONTEXTS;
export const CONTEXT_NAMES = Object.keys(CONTEXTS) as ContextName[];
export const ROUTER_PORT = 4000;
export const isContextName = (name: string): name is ContextName => name in CONTEXTS;
