import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import YAML from 'yaml';

export const ROOT = resolve(__dirname, '..');
export const SUPERGRAPH_YAML = resolve(ROOT, 'supergraph.yaml');
export const SUPERGRAPH_FILE = resolve(ROOT, 'router', 'supergraph.graphql');

interface SupergraphConfig {
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

/** Composes supergraph.yaml's subgraphs into a supergraph SDL; throws with every composition error listed. */
export function composeSupergraph(configPath = SUPERGRAPH_YAML): string {
  const config = YAML.parse(readFileSync(configPath, 'utf8')) as SupergraphConfig;
  const services = Object.entries(config.subgraphs).map(([name, s]) => ({
    name,
    url: s.routing_url,
    typeDefs: parse(readFileSync(resolve(dirname(configPath), s.schema.file), 'utf8')),
  }));
  const result = composeServices(services);
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return `${result.supergraphSdl.trimEnd()}\n`;
}

/** Subgraph names and routing URLs as composed into a supergraph SDL. */
export function subgraphsOf(supergraphSdl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)) out[m[1]] = m[2];
  return out;
}
