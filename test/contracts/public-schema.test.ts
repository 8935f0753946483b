// The public API contract: the schema clients see through the router, composed from the
// subgraphs, against the committed router/public-schema.graphql. Any difference fails, and
// the message lists it classified by @graphql-inspector/core (breaking, dangerous, safe), so
// a breaking change ships only together with its (reviewed) update of the committed file.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSchema, parse } from 'graphql';
import YAML from 'yaml';
import { composeSupergraph, ROOT, SUPERGRAPH_FILE, SUPERGRAPH_YAML } from '../../router/compose';
import { describeChanges, isEmpty, PUBLIC_SCHEMA_FILE, publicSchemaChanges, publicSchemaFileText, publicSchemaOf } from '../../router/public-schema';

const committed = readFileSync(PUBLIC_SCHEMA_FILE, 'utf8');
const config = YAML.parse(readFileSync(SUPERGRAPH_YAML, 'utf8')) as { subgraphs: Record<string, { routing_url: string; schema: { file: string } }> };
const realSchemas = () => Object.fromEntries(Object.entries(config.subgraphs).map(([name, s]) => [name, readFileSync(resolve(ROOT, s.schema.file), 'utf8')]));

/** The public schema the given subgraph SDLs compose to (in memory, no files). */
function publicSchemaFrom(schemas: Record<string, string>): string {
  const result = composeServices(Object.entries(schemas).map(([name, sdl]) => ({ name, url: config.subgraphs[name].routing_url, typeDefs: parse(sdl) })));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return publicSchemaOf(result.supergraphSdl);
}

/** Replaces `from` with `to` in one subgraph's SDL, checking that it was there. */
function edited(subgraph: string, from: string, to: string): Record<string, string> {
  const schemas = realSchemas();
  expect(schemas[subgraph]).toContain(from);
  schemas[subgraph] = schemas[subgraph].replace(from, to);
  return schemas;
}

describe('the committed public schema', () => {
  test('the composed subgraphs make no breaking change to it', async () => {
    const changes = await publicSchemaChanges(committed, publicSchemaOf(composeSupergraph()));
    if (changes.breaking.length) {
      throw new Error(
        `The subgraphs break the public API (router/public-schema.graphql):\n${describeChanges({ ...changes, dangerous: [], safe: [] })}\n\n` +
          'Keep the old fields (deprecate them first), or accept the break explicitly: `npm run schema:check -- --write --accept-breaking`, and commit the file with the change.',
      );
    }
    expect(changes.breaking).toEqual([]);
  });

  test('it is up to date: every change, safe ones too, is recorded in it', async () => {
    const composed = publicSchemaOf(composeSupergraph());
    const changes = await publicSchemaChanges(committed, composed);
    if (!isEmpty(changes)) {
      throw new Error(`router/public-schema.graphql is stale:\n${describeChanges(changes)}\n\nRecord it with \`npm run schema:check -- --write\`.`);
    }
    expect(committed).toBe(publicSchemaFileText(composed));
  });

  test('it is the API schema of the committed supergraph: federation machinery and @inaccessible elements are not in it', () => {
    expect(committed).toBe(publicSchemaFileText(publicSchemaOf(readFileSync(SUPERGRAPH_FILE, 'utf8'))));
    const schemaText = committed.replace(/^#.*\n/gm, '');
    for (const internal of ['join__', 'link__', '@join', '@link', '_entities', '_service', '_Any', '_Entity', '@inaccessible']) expect(schemaText).not.toContain(internal);
    // It is a valid schema clients can build against, with the seed 001 operations in it.
    const schema = buildSchema(committed);
    expect(Object.keys(schema.getMutationType()!.getFields())).toEqual(expect.arrayContaining(['receiveStock', 'requestReservation', 'cancelReservation']));
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['stockList', 'myReservations', 'reservation']));
    expect(schema.getType('Product')).toBeDefined();
  });
});

describe('a deliberately breaking change is detected (subgraph SDL edited in memory)', () => {
  const baseline = () => publicSchemaFrom(realSchemas());

  test('removing a field clients read (catalog’s Product.price) is BREAKING, named in a readable list', async () => {
    const changes = await publicSchemaChanges(baseline(), publicSchemaFrom(edited('catalog', '  "Price of one unit, in won. Orders are always priced from here, never by the client."\n  price: Int!\n', '')));
    expect(changes.breaking.map((c) => c.message)).toEqual(["Field 'price' was removed from object type 'Product'"]);
    expect(describeChanges(changes)).toMatch(/^BREAKING — clients relying on these stop working \(1\):\n {2}- Field 'price' was removed from object type 'Product' {2}\[Product\.price\]$/);
  });

  test('changing a field’s type (inventory’s Stock.available Int! → String!) is BREAKING', async () => {
    const changes = await publicSchemaChanges(baseline(), publicSchemaFrom(edited('inventory', '  available: Int!', '  available: String!')));
    expect(changes.breaking).toEqual([expect.objectContaining({ type: 'FIELD_TYPE_CHANGED', path: 'Stock.available' })]);
  });

  test('a new required argument (rental’s cancelReservation reason: String!) is BREAKING', async () => {
    const changes = await publicSchemaChanges(baseline(), publicSchemaFrom(edited('rental', 'cancelReservation(id: ID!)', 'cancelReservation(id: ID!, reason: String!)')));
    expect(changes.breaking.map((c) => c.type)).toEqual(['FIELD_ARGUMENT_ADDED']);
  });

  test('a removed enum value is BREAKING; an added one is DANGEROUS; an added field is SAFE', async () => {
    const removed = await publicSchemaChanges(baseline(), publicSchemaFrom(edited('inventory', '  RELEASED\n}', '}')));
    expect(removed.breaking.map((c) => c.type)).toEqual(['ENUM_VALUE_REMOVED']);
    const added = await publicSchemaChanges(baseline(), publicSchemaFrom(edited('inventory', '  RELEASED\n}', '  RELEASED\n  WRITTEN_OFF\n}')));
    expect(added).toMatchObject({ breaking: [], dangerous: [expect.objectContaining({ type: 'ENUM_VALUE_ADDED' })] });
    const field = await publicSchemaChanges(baseline(), publicSchemaFrom(edited('inventory', '  reserved: Int!\n', '  reserved: Int!\n  damaged: Int\n')));
    expect(field).toMatchObject({ breaking: [], dangerous: [], safe: [expect.objectContaining({ type: 'FIELD_ADDED', path: 'Stock.damaged' })] });
  });

  test('a field made @inaccessible leaves the public schema: its removal is BREAKING too', async () => {
    const schemas = edited('inventory', '  "Copies held for reservations."\n  reserved: Int!', '  "Copies held for reservations."\n  reserved: Int! @inaccessible');
    schemas.inventory = schemas.inventory.replace('import: ["@key"', 'import: ["@inaccessible", "@key"');
    const after = publicSchemaFrom(schemas);
    expect(after).not.toMatch(/^ {2}reserved: Int!$/m);
    expect((await publicSchemaChanges(baseline(), after)).breaking.map((c) => c.path)).toEqual(['Stock.reserved']);
  });

  test('two in-memory SDLs: the diff classifies as the check does', async () => {
    const before = 'type Query { book(id: ID!): Book }\ntype Book { id: ID! title: String! copies: Int! }';
    const after = 'type Query { book(id: ID!): Book }\ntype Book { id: ID! title: String copies: Int! pages: Int }';
    const changes = await publicSchemaChanges(before, after);
    expect(changes.breaking.map((c) => c.message)).toEqual(["Field 'Book.title' changed type from 'String!' to 'String'"]);
    expect(changes.safe.map((c) => c.message)).toEqual(["Field 'pages' was added to object type 'Book'"]);
    expect(await publicSchemaChanges(before, before)).toEqual({ breaking: [], dangerous: [], safe: [] });
  });
});
