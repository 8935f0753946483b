import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Kind, parse, type DocumentNode, type GraphQLFormattedError, type SelectionSetNode } from 'graphql';
import { ErrorCode } from '../platform/errors';
import type { Logger } from '../platform/logger';

/**
 * A subgraph as the router calls it, with partial answers when it cannot answer (issue 10,
 * point 4). A subgraph that is down, times out or answers without a GraphQL body yields, in
 * place of @apollo/gateway's bare "fetch failed" without a path, one error per field the
 * router asked it for, at that field's path in the client's result:
 * `extensions: { code: SUBGRAPH_UNAVAILABLE, subgraph, reason }` (reason: TIMEOUT,
 * UNREACHABLE or HTTP_<status>). The other subgraphs' data stays: the fields subgraphs add
 * to each other's entities are nullable (test/contracts/partial-answers.test.ts).
 * A non-2xx answer that does carry GraphQL errors (a subgraph's BAD_USER_INPUT is HTTP 400)
 * passes those errors on as they are.
 */
export class SubgraphSource extends RemoteGraphQLDataSource {
  constructor(
    private readonly subgraph: string,
    private readonly log: Logger,
    config: ConstructorParameters<typeof RemoteGraphQLDataSource>[0],
  ) {
    super(config);
  }

  override async process(options: GraphQLDataSourceProcessOptions): ReturnType<RemoteGraphQLDataSource['process']> {
    try {
      return await super.process(options);
    } catch (e) {
      const response = (e as { extensions?: { response?: { status?: number; body?: unknown } } }).extensions?.response;
      const body = response?.body as { errors?: GraphQLFormattedError[]; data?: Record<string, unknown> | null } | undefined;
      if (body && typeof body === 'object' && Array.isArray(body.errors) && body.errors.length > 0) return { errors: body.errors, data: body.data ?? undefined };
      const reason = response?.status ? `HTTP_${response.status}` : (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError' ? 'TIMEOUT' : 'UNREACHABLE';
      this.log.warn({ subgraph: this.subgraph, reason, err: e }, 'subgraph unavailable: partial answer');
      return { errors: unavailableErrors(this.subgraph, reason, options) };
    }
  }
}

/** The response keys a selection set asks for (through inline fragments), __typename aside. */
function responseKeys(set: SelectionSetNode | undefined, into = new Set<string>()): Set<string> {
  for (const s of set?.selections ?? []) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value !== '__typename') into.add(s.alias?.value ?? s.name.value);
    } else if (s.kind === Kind.INLINE_FRAGMENT) responseKeys(s.selectionSet, into);
  }
  return into;
}

/** One coded error per field this fetch was for: `_entities.<i>.<key>` for an entity fetch (the gateway maps it to the client's path), `<key>` for a root fetch. */
function unavailableErrors(subgraph: string, reason: string, options: GraphQLDataSourceProcessOptions): GraphQLFormattedError[] {
  const error = (path?: Array<string | number>): GraphQLFormattedError => ({
    message: `The ${subgraph} service is unavailable: its fields are null in this answer. Retry later.`,
    ...(path ? { path } : {}),
    extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, subgraph, reason },
  });
  let doc = (options as { document?: DocumentNode }).document;
  try {
    doc ??= options.request.query ? parse(options.request.query) : undefined;
  } catch {
    doc = undefined;
  }
  const op = doc?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!op || op.kind !== Kind.OPERATION_DEFINITION) return [error()];
  const roots = op.selectionSet.selections;
  const entities = roots.length === 1 && roots[0].kind === Kind.FIELD && roots[0].name.value === '_entities' ? roots[0] : undefined;
  if (entities) {
    const count = (options.request.variables?.representations as unknown[] | undefined)?.length ?? 0;
    const keys = [...responseKeys(entities.selectionSet)];
    const errors: GraphQLFormattedError[] = [];
    for (let i = 0; i < count; i++) for (const k of keys.length ? keys : [undefined]) errors.push(error(k ? ['_entities', i, k] : ['_entities', i]));
    return errors.length ? errors : [error()];
  }
  const keys = [...responseKeys(op.selectionSet)];
  return keys.length ? keys.map((k) => error([k])) : [error()];
}
