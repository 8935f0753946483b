import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ApolloServerPlugin } from '@apollo/server';
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

/** Apollo Server plugin: refuses an operation that breaks a guard rail, before any subgraph is called. */
export function guardPlugin(limits: GuardLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, schema }) {
          const err = checkGuards(schema, document, limits);
          if (err) throw err;
        },
      };
    },
  };
}
