import type { ApolloServerPlugin } from '@apollo/server';
import {
  coerceInputValue,
  getArgumentValues,
  GraphQLError,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind,
  typeFromAST,
  TypeInfo,
  visit,
  valueFromAST,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { DomainError, ErrorCode } from './errors';

/**
 * Input refused at the boundary, as a kind: every String and ID value a client sends, in
 * any argument or input field of any operation, literal or variable, is checked against
 * one set of rules before a resolver runs (and so before anything is written):
 *
 * - no control characters (C0 except tab, line feed and carriage return; DEL): PostgreSQL
 *   cannot store NUL, and none of them is meaningful in a name, an address or a reason;
 * - an ID is 1 to {@link ID_MAX_LENGTH} characters of letters, digits and `. _ : @ | + -`
 *   (what the platform mints: UUIDs, `c-33`, `book-1984`, `sunrise-bakery`, and the
 *   `sub` shapes of common identity providers, e.g. `auth0|123`);
 * - a String is at most {@link STRING_MAX_LENGTH} characters (contexts keep their own,
 *   tighter rules, e.g. a delivery address is at most 200).
 *
 * A variable whose value does not fit its declared type (e.g. `qty: 2.5` for an Int) is
 * refused here too. Every refusal is a {@link DomainError} BAD_USER_INPUT with
 * `extensions.field`: the argument path as the client wrote it (`input.productId`,
 * `orderId`; list items by index, `ids.2`), and HTTP 400.
 *
 * Applied by the router (over the public schema) and by every subgraph (platform/service.ts),
 * so a subgraph called directly is held to the same rules. Rule source: issue 10, point 3.
 */
export const ID_MAX_LENGTH = 64;
export const STRING_MAX_LENGTH = 1000;

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const ID_SHAPE = /^[A-Za-z0-9._:@|+-]+$/;

/** The problem with one String/ID value, or undefined when it is fine. `kind` is the scalar's name. */
export function inputProblem(kind: 'ID' | 'String', value: string): string | undefined {
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (kind === 'ID') {
    if (value.length === 0) return 'must not be empty';
    if (value.length > ID_MAX_LENGTH) return `is at most ${ID_MAX_LENGTH} characters`;
    if (!ID_SHAPE.test(value)) return 'must be an id: letters, digits and . _ : @ | + - only';
    return undefined;
  }
  if (value.length > STRING_MAX_LENGTH) return `is at most ${STRING_MAX_LENGTH} characters`;
  return undefined;
}

const refuse = (field: string, message: string) => new DomainError(ErrorCode.BAD_USER_INPUT, message, { field, http: { status: 400 } });

/** Checks one (coerced) value against its input type; throws BAD_USER_INPUT naming `path`. */
function checkValue(value: unknown, type: GraphQLInputType, path: Array<string | number>): void {
  if (value === null || value === undefined) return;
  const t = isNonNullType(type) ? type.ofType : type;
  if (isListType(t)) {
    if (Array.isArray(value)) value.forEach((v, i) => checkValue(v, t.ofType, [...path, i]));
    return;
  }
  if (isInputObjectType(t)) {
    for (const f of Object.values(t.getFields())) checkValue((value as Record<string, unknown>)[f.name], f.type, [...path, f.name]);
    return;
  }
  // Custom scalars (federation's _Any: the router's own entity representations) are not client text.
  if (isLeafType(t) && (t.name === 'ID' || t.name === 'String') && typeof value === 'string') {
    const problem = inputProblem(t.name, value);
    if (problem) throw refuse(path.join('.'), `${path.join('.')} ${problem}.`);
  }
}

/** For each variable used as a whole argument or input field: the argument path it fills. */
function variableTargets(doc: DocumentNode): Map<string, string> {
  const targets = new Map<string, string>();
  const record = (value: ValueNode, path: string) => {
    if (value.kind === Kind.VARIABLE && !targets.has(value.name.value)) targets.set(value.name.value, path);
    else if (value.kind === Kind.OBJECT) for (const f of value.fields) record(f.value, `${path}.${f.name.value}`);
  };
  visit(doc, { Field: (node) => void node.arguments?.forEach((a) => record(a.value, a.name.value)) });
  return targets;
}

/**
 * Coerces the operation's variables as execution will, but names the offending field:
 * `$input: { qty: 2.5 }` for `placeOrder(input: $input)` → field `input.qty`.
 */
function coerceVariables(schema: GraphQLSchema, doc: DocumentNode, operation: OperationDefinitionNode, raw: Record<string, unknown>): Record<string, unknown> {
  const targets = variableTargets(doc);
  const coerced: Record<string, unknown> = {};
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    const type = typeFromAST(schema, def.type) as GraphQLInputType | undefined;
    if (!type) continue; // an unknown type: validation has reported it
    if (!(name in raw)) {
      // The operation's own default is client text too.
      if (def.defaultValue) coerced[name] = valueFromAST(def.defaultValue, type);
      continue;
    }
    const base = targets.get(name) ?? name;
    coerced[name] = coerceInputValue(raw[name], type, (path, _invalid, error) => {
      const field = [base, ...path].join('.');
      throw refuse(field, `${field}: ${error.message}`);
    });
  }
  return coerced;
}

/**
 * Checks every argument of every field the operation selects (fragments included).
 * Throws the first problem as a BAD_USER_INPUT DomainError with `extensions.field`.
 */
export function checkOperationInput(schema: GraphQLSchema, doc: DocumentNode, operation: OperationDefinitionNode, rawVariables: Record<string, unknown> = {}): void {
  const variables = coerceVariables(schema, doc, operation, rawVariables);
  const typeInfo = new TypeInfo(schema);
  const parts = [operation, ...doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)];
  for (const part of parts) {
    visit(
      part,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const def = typeInfo.getFieldDef();
          if (!def || !node.arguments?.length) return;
          let args: Record<string, unknown>;
          try {
            args = getArgumentValues(def, node, variables);
          } catch {
            return; // a missing required value: execution reports it
          }
          for (const a of def.args) checkValue(args[a.name], a.type, [a.name]);
        },
      }),
    );
  }
}

function operationNotFound(doc: DocumentNode, operationName: string | undefined): GraphQLError {
  const names = doc.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value ?? '(anonymous)'] : []));
  const message = operationName
    ? `Unknown operation named "${operationName}": the document has ${names.join(', ')}.`
    : `Must provide operationName: the document has ${names.length} operations (${names.join(', ')}).`;
  return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
}

/**
 * Apollo Server plugin: {@link checkOperationInput} once the operation is known, before anything runs.
 * An operation without variables has the same verdict every time: it is remembered per operation
 * node (Apollo Server hands out the same parsed document for the same query text, and a new one
 * for a new schema), so a repeated query is not walked again (issue 13: ~5 % of the router's CPU).
 */
export function inputRulesPlugin(): ApolloServerPlugin {
  const verdicts = new WeakMap<OperationDefinitionNode, { field: string; message: string } | null>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // Several operations and no (or an unknown) operationName: the client's mistake, HTTP 400 (the gateway would answer 500).
          if (!operation) throw operationNotFound(document, request.operationName);
          if (operation.variableDefinitions?.length) return checkOperationInput(schema, document, operation, (request.variables ?? {}) as Record<string, unknown>);
          const known = verdicts.get(operation);
          if (known === null) return;
          if (known) throw refuse(known.field, known.message);
          try {
            checkOperationInput(schema, document, operation, {});
            verdicts.set(operation, null);
          } catch (e) {
            if (e instanceof DomainError && e.code === ErrorCode.BAD_USER_INPUT) verdicts.set(operation, { field: String(e.extensions.field), message: e.message });
            throw e;
          }
        },
      };
    },
  };
}
