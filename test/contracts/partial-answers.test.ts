// Partial answers need nullable seams (issue 10, point 4): when a subgraph cannot answer, the
// router nulls the fields it would have given, with a SUBGRAPH_UNAVAILABLE error at their path
// (router/subgraph-source.ts). A non-null field would carry that null up and erase its parent,
// data another subgraph served. So, for every subgraph SDL:
//   1. a field a subgraph adds to an entity another subgraph owns is nullable;
//   2. a field whose type is an entity another subgraph resolves (a `resolvable: false` stub,
//      e.g. ordering's Order.product) is nullable.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kind, parse, type DocumentNode, type FieldDefinitionNode, type ObjectTypeDefinitionNode, type TypeNode } from 'graphql';
import YAML from 'yaml';
import { ROOT, SUPERGRAPH_YAML } from '../../router/compose';

const config = YAML.parse(readFileSync(SUPERGRAPH_YAML, 'utf8')) as { subgraphs: Record<string, { schema: { file: string } }> };
const realSchemas = (): Record<string, string> => Object.fromEntries(Object.entries(config.subgraphs).map(([name, s]) => [name, readFileSync(resolve(ROOT, s.schema.file), 'utf8')]));

interface Entity {
  subgraph: string;
  type: ObjectTypeDefinitionNode;
  keyFields: Set<string>;
  resolvable: boolean;
}

const namedType = (t: TypeNode): string => (t.kind === Kind.NAMED_TYPE ? t.name.value : namedType(t.type));

function entitiesOf(subgraph: string, doc: DocumentNode): Entity[] {
  return doc.definitions.flatMap((d) => {
    if (d.kind !== Kind.OBJECT_TYPE_DEFINITION) return [];
    const key = d.directives?.find((x) => x.name.value === 'key');
    if (!key) return [];
    const arg = (name: string) => key.arguments?.find((a) => a.name.value === name)?.value;
    const fields = arg('fields');
    const resolvable = arg('resolvable');
    return [
      {
        subgraph,
        type: d,
        keyFields: new Set(fields?.kind === Kind.STRING ? fields.value.split(/\s+/).filter(Boolean) : []),
        resolvable: !(resolvable?.kind === Kind.BOOLEAN && resolvable.value === false),
      },
    ];
  });
}

/** Every rule break, as `subgraph: Type.field: Type! — why`. */
function nonNullableSeams(schemas: Record<string, string>): string[] {
  const docs = Object.fromEntries(Object.entries(schemas).map(([n, sdl]) => [n, parse(sdl)]));
  const entities = Object.entries(docs).flatMap(([n, d]) => entitiesOf(n, d));
  const byType = new Map<string, Entity[]>();
  for (const e of entities) byType.set(e.type.name.value, [...(byType.get(e.type.name.value) ?? []), e]);
  // The owner: the resolvable definition with the most fields (ordering's Order, catalog's Product, rental's Reservation).
  const ownerOf = (type: string) => [...(byType.get(type) ?? [])].filter((e) => e.resolvable).sort((a, b) => (b.type.fields?.length ?? 0) - (a.type.fields?.length ?? 0))[0]?.subgraph;
  const problems: string[] = [];
  const field = (s: string, t: string, f: FieldDefinitionNode) => `${s}: ${t}.${f.name.value}: ${namedType(f.type)}${f.type.kind === Kind.NON_NULL_TYPE ? '!' : ''}`;

  for (const e of entities) {
    const owner = ownerOf(e.type.name.value);
    if (!e.resolvable || owner === e.subgraph || (byType.get(e.type.name.value)?.length ?? 0) < 2) continue;
    for (const f of e.type.fields ?? []) {
      if (!e.keyFields.has(f.name.value) && f.type.kind === Kind.NON_NULL_TYPE) problems.push(`${field(e.subgraph, e.type.name.value, f)} — added to ${owner}'s entity: must be nullable`);
    }
  }
  for (const [subgraph, doc] of Object.entries(docs)) {
    const stubs = new Set(entitiesOf(subgraph, doc).filter((e) => !e.resolvable).map((e) => e.type.name.value));
    for (const d of doc.definitions) {
      if (d.kind !== Kind.OBJECT_TYPE_DEFINITION && d.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
      for (const f of d.fields ?? []) {
        if (stubs.has(namedType(f.type)) && f.type.kind === Kind.NON_NULL_TYPE) problems.push(`${field(subgraph, d.name.value, f)} — ${namedType(f.type)} is resolved by ${ownerOf(namedType(f.type))}: must be nullable`);
      }
    }
  }
  return problems;
}

test('every field one subgraph contributes to another’s entity, or that points at another’s entity, is nullable', () => {
  expect(nonNullableSeams(realSchemas())).toEqual([]);
});

test('the audit sees every seam the issue names (Order.payment, delivery, messages, product; Product.stock; Reservation.messages, product; StockItem.product)', () => {
  // Made non-null in memory, each one is reported: the rule cannot pass by seeing nothing.
  const schemas = realSchemas();
  const nonNull: Array<[string, string, string]> = [
    ['payment', '  payment: Payment\n', '  payment: Payment!\n'],
    ['delivery', '  delivery: Delivery\n', '  delivery: Delivery!\n'],
    ['notification', '  messages: [Message!]\n', '  messages: [Message!]!\n'],
    ['notification', '  messages: [ReservationMessage!]\n', '  messages: [ReservationMessage!]!\n'],
    ['ordering', '  product: Product\n', '  product: Product!\n'],
    ['inventory', '  stock: Stock\n', '  stock: Stock!\n'],
    ['rental', '  product: Product\n', '  product: Product!\n'],
    ['mypage', '  product: Product\n', '  product: Product!\n'],
  ];
  for (const [s, from, to] of nonNull) {
    expect(schemas[s]).toContain(from);
    schemas[s] = schemas[s].replace(from, to);
  }
  expect(nonNullableSeams(schemas).map((p) => p.replace(/ — .*/, '')).sort()).toEqual(
    [
      'delivery: Order.delivery: Delivery!',
      'inventory: Product.stock: Stock!',
      'mypage: StockItem.product: Product!',
      'notification: Order.messages: Message!',
      'notification: Reservation.messages: ReservationMessage!',
      'ordering: Order.product: Product!',
      'payment: Order.payment: Payment!',
      'rental: Reservation.product: Product!',
    ].sort(),
  );
});
