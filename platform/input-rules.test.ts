// The input rules plugin remembers the verdict of an operation without variables (the same
// parsed document comes back for the same query text); one with variables is judged per request.
import { buildSchema, Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { inputRulesPlugin } from './input-rules';

const schema = buildSchema('type Query { order(id: ID!): String }');

/** Runs the plugin's check as Apollo Server would: the error it throws, or undefined. */
async function judge(plugin: ReturnType<typeof inputRulesPlugin>, document: DocumentNode, variables?: Record<string, unknown>): Promise<any> {
  const hooks = (await plugin.requestDidStart!({} as never)) as { didResolveOperation(ctx: unknown): Promise<void> };
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  try {
    await hooks.didResolveOperation({ schema, document, operation, request: { variables } });
    return undefined;
  } catch (e) {
    return e;
  }
}

test('a literal bad id is refused every time the same document comes back, as a new error naming the field', async () => {
  const plugin = inputRulesPlugin();
  const doc = parse('{ order(id: "a b") }');
  const first = await judge(plugin, doc);
  const second = await judge(plugin, doc);
  expect(first.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id', http: { status: 400 } });
  expect(second.extensions).toEqual(first.extensions);
  expect(second.message).toBe(first.message);
  expect(second).not.toBe(first);
  const fine = parse('{ order(id: "o-1") }');
  expect(await judge(plugin, fine)).toBeUndefined();
  expect(await judge(plugin, fine)).toBeUndefined();
});

test('with variables every request is judged on its own values', async () => {
  const plugin = inputRulesPlugin();
  const doc = parse('query($id: ID!) { order(id: $id) }');
  expect(await judge(plugin, doc, { id: 'o-1' })).toBeUndefined();
  expect((await judge(plugin, doc, { id: 'a b' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  expect(await judge(plugin, doc, { id: 'o-2' })).toBeUndefined();
});
