import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ApolloServerPlugin } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import { GraphQLError, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { DomainError, ErrorCode } from '../platform/errors';

/**
 * Guard rails on the public endpoint, from GraphQL Armor's validation rules: maximum
 * depth, estimated cost and aliases. Each rejection is a GraphQL error with a stable
 * code (QUERY_TOO_DEEP, QUERY_TOO_COSTLY, TOO_MANY_ALIASES) and HTTP 400. The same check
 * runs for subscriptions (router/subscriptions.ts).
 */
export interface GuardLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
}

type GuardCode = typeof ErrorCode.QUERY_TOO_DEEP | typeof ErrorCode.QUERY_TOO_COSTLY | typeof ErrorCode.TOO_MANY_ALIASES;

const coded = (code: GuardCode, err: GraphQLError) => new DomainError(code, err.message.replace(/^Syntax Error: /, ''), { http: { status: 400 } });

/** The first guard rail the operation breaks, or undefined. */
export function checkGuards(schema: GraphQLSchema, document: DocumentNode, limits: GuardLimits): GraphQLError | undefined {
  const found: GraphQLError[] = [];
  const reject = (code: GuardCode) => [(_ctx: unknown, err: GraphQLError) => void found.push(coded(code, err))];
  const rules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: reject(ErrorCode.QUERY_TOO_DEEP) }),
    costLimitRule({ maxCost: limits.maxCost, propagateOnRejection: false, onReject: reject(ErrorCode.QUERY_TOO_COSTLY) }),
    // allowList []: GraphQL Armor exempts __typename by default, and 2 000 `t: __typename` aliases passed.
    maxAliasesRule({ n: limits.maxAliases, allowList: [], propagateOnRejection: false, onReject: reject(ErrorCode.TOO_MANY_ALIASES) }),
  ];
  validate(schema, document, rules);
  return found[0];
}

/** What a guard check found, remembered per document text: the code and message of the refusal, or null for none. */
type GuardVerdict = { code: GuardCode; message: string } | null;

/**
 * Apollo Server plugin: refuses an operation that breaks a guard rail, before any subgraph is
 * called. The verdict depends only on the document and the schema, so it is remembered per
 * document text (a bounded LRU of `cacheSize` entries per schema object; a new supergraph is a
 * new schema and starts empty): a repeated operation is not walked again (guard rails were
 * ~5 % of the router's CPU, issue 13). A refusal is a new error each time.
 */
export function guardPlugin(limits: GuardLimits, opts: { cacheSize?: number } = {}): ApolloServerPlugin {
  const caches = new WeakMap<GraphQLSchema, LRUCache<string, { verdict: GuardVerdict }>>();
  const cacheSize = opts.cacheSize ?? 1000;
  const cacheFor = (schema: GraphQLSchema) => {
    let cache = caches.get(schema);
    if (!cache) caches.set(schema, (cache = new LRUCache({ max: cacheSize })));
    return cache;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, schema, source }) {
          const cache = cacheSize > 0 && source ? cacheFor(schema) : undefined;
          let entry = cache?.get(source!);
          if (!entry) {
            const err = checkGuards(schema, document, limits);
            entry = { verdict: err ? { code: (err as DomainError).code as GuardCode, message: err.message } : null };
            cache?.set(source!, entry);
          }
          if (entry.verdict) throw new DomainError(entry.verdict.code, entry.verdict.message, { http: { status: 400 } });
        },
      };
    },
  };
}
