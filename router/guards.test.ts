// Guard verdicts remembered per document text (router/guards.ts): a repeated operation gets the
// same verdict, as a new error each time.
import { buildSchema, parse, type GraphQLSchema } from 'graphql';
import { guardPlugin } from './guards';

const schema = buildSchema('type Query { node(id: ID): Node } type Node { id: ID parent: Node }');
const limits = { maxDepth: 3, maxCost: 5000, maxAliases: 30 };
const deep = '{ node { parent { parent { parent { parent { id } } } } } }';
const shallow = '{ node { id } }';

/** Runs the plugin's check as Apollo Server would: the error it throws, or undefined. */
async function judge(plugin: ReturnType<typeof guardPlugin>, source: string, on: GraphQLSchema = schema): Promise<any> {
  const hooks = (await plugin.requestDidStart!({} as never)) as { didResolveOperation(ctx: unknown): Promise<void> };
  try {
    await hooks.didResolveOperation({ source, document: parse(source), schema: on });
    return undefined;
  } catch (e) {
    return e;
  }
}

test('the same operation twice: the same refusal, as a new error each time; a fine operation passes twice', async () => {
  const plugin = guardPlugin(limits);
  const first = await judge(plugin, deep);
  const second = await judge(plugin, deep);
  expect(first.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', http: { status: 400 } });
  expect(second.extensions).toEqual(first.extensions);
  expect(second.message).toBe(first.message);
  expect(second).not.toBe(first);
  expect(await judge(plugin, shallow)).toBeUndefined();
  expect(await judge(plugin, shallow)).toBeUndefined();
});

test('cacheSize 0 still judges every operation', async () => {
  const plugin = guardPlugin(limits, { cacheSize: 0 });
  for (let i = 0; i < 2; i++) expect((await judge(plugin, deep)).extensions.code).toBe('QUERY_TOO_DEEP');
  expect(await judge(plugin, shallow)).toBeUndefined();
});
