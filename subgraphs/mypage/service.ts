import { startContext, type ContextSpec } from '../../platform/service';
import { createMypageClient, type MypageDb, type MypageTx } from './db';
import { addPlacedOrder, followStatus } from './policies';
import { reservationViewPolicies } from './reservation-views';
import { mypageResolvers } from './resolvers';
import { stockListPolicies } from './stock-list';

/** Read models only: mypage never calls another context and never reads another's database. */
export const mypageSpec: ContextSpec<MypageDb, MypageTx, object, object> = {
  name: 'mypage',
  defaultPort: 4005,
  dir: __dirname,
  createClient: createMypageClient,
  build: ({ db }) => ({
    resolvers: mypageResolvers(db),
    policies: [addPlacedOrder, followStatus, ...stockListPolicies, ...reservationViewPolicies],
  }),
};

export const startMypage = (env: NodeJS.ProcessEnv = process.env) => startContext(mypageSpec, env);
