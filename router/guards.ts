import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';

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

export const GuardCode = {
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COSTLY: 'QUERY_TOO_COSTLY',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
} as const;

function coded(code: string, err: GraphQLError): GraphQLError {
  return new GraphQLError(err.message.replace(/^Syntax Error: /, ''), { extensions: { code, http: { status: 400 } } });
}

/** The first guard rail the operation breaks, or undefined. */
export function checkGuards(schema: GraphQLSchema, document: DocumentNode, limits: GuardLimits): GraphQLError | undefined {
  const found: GraphQLError[] = [];
  const reject = (code: string) => [(_ctx: unknown, err: GraphQLError) => void found.push(coded(code, err))];
  const rules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: reject(GuardCode.QUERY_TOO_DEEP) }),
    costLimitRule({ maxCost: limits.maxCost, propagateOnRejection: false, onReject: reject(GuardCode.QUERY_TOO_COSTLY) }),
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject: reject(GuardCode.TOO_MANY_ALIASES) }),
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
