// Static composition is checked: the committed supergraph is what supergraph.yaml composes to,
// and a subgraph change that breaks composition fails here (and in CI), not in the running router.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { composeSupergraph, ROOT, SUPERGRAPH_FILE, SUPERGRAPH_YAML, subgraphsOf } from '../../router/compose';
import { CONTEXT_NAMES } from '../../subgraphs/registry';

interface SupergraphConfig {
  federation_version: string;
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

const config = YAML.parse(readFileSync(SUPERGRAPH_YAML, 'utf8')) as SupergraphConfig;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'og-compose-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes a supergraph.yaml and its schema files into the temp folder; returns the yaml's path. */
function writeSet(schemas: Record<string, string>): string {
  const subgraphs = Object.fromEntries(
    Object.entries(schemas).map(([name, sdl], i) => {
      writeFileSync(join(tmp, `${name}.graphql`), sdl);
      const routing_url = config.subgraphs[name]?.routing_url ?? `http://127.0.0.1:${4101 + i}/graphql`;
      return [name, { routing_url, schema: { file: `./${name}.graphql` } }];
    }),
  );
  const path = join(tmp, 'supergraph.yaml');
  writeFileSync(path, YAML.stringify({ federation_version: config.federation_version, subgraphs }));
  return path;
}

const realSchemas = () =>
  Object.fromEntries(Object.entries(config.subgraphs).map(([name, s]) => [name, readFileSync(resolve(ROOT, s.schema.file), 'utf8')]));

test('router/supergraph.graphql is exactly what supergraph.yaml composes to', () => {
  const composed = composeSupergraph();
  const committed = readFileSync(SUPERGRAPH_FILE, 'utf8');
  if (composed !== committed) {
    const a = composed.split('\n');
    const b = committed.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    throw new Error(
      `router/supergraph.graphql is stale: run \`npm run compose\` and commit the result.\n` +
        `First difference at line ${line + 1}:\n  composed:  ${a[line]}\n  committed: ${b[line]}`,
    );
  }
  expect(composed).toBe(committed);
});

test('the supergraph names every subgraph of supergraph.yaml with its routing URL', () => {
  const composed = subgraphsOf(readFileSync(SUPERGRAPH_FILE, 'utf8'));
  const expected = Object.fromEntries(Object.entries(config.subgraphs).map(([name, s]) => [name, s.routing_url]));
  expect(composed).toEqual(expected);
  // Every registered context, and no other (a context added with `npm run new:context` included).
  expect(Object.keys(expected).sort()).toEqual([...CONTEXT_NAMES].sort());
});

test('a copy of the real subgraph set in another folder composes to the committed supergraph (paths are relative to the yaml)', () => {
  expect(composeSupergraph(writeSet(realSchemas()))).toBe(readFileSync(SUPERGRAPH_FILE, 'utf8'));
});

test('two subgraphs resolving the same non-shareable field do not compose', () => {
  const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n';
  const path = writeSet({
    shop: `${link}type Product @key(fields: "id") { id: ID! name: String! }\ntype Query { product(id: ID!): Product }\n`,
    warehouse: `${link}type Product @key(fields: "id") { id: ID! name: String! stock: Int! }\ntype Query { stock(id: ID!): Product }\n`,
  });
  expect(() => composeSupergraph(path)).toThrow(/Composition failed:[\s\S]*Non-shareable field "Product\.name" is resolved from multiple subgraphs/);
});

test('payment redefining ordering’s Order.status (a conflicting, non-shareable field) breaks the real set', () => {
  const schemas = realSchemas();
  schemas.payment = schemas.payment.replace('payment: Payment\n}', 'payment: Payment\n  status: String!\n}');
  expect(schemas.payment).toContain('status: String!');
  const path = writeSet(schemas);
  expect(() => composeSupergraph(path)).toThrow(/Composition failed:[\s\S]*Order\.status/);
});

test('a subgraph that is not valid GraphQL fails with a parse error naming the problem', () => {
  const schemas = realSchemas();
  schemas.delivery = schemas.delivery.replace('type Delivery @key(fields: "id") {', 'type Delivery @key(fields: "id") {{');
  expect(() => composeSupergraph(writeSet(schemas))).toThrow(/Syntax Error/);
});
