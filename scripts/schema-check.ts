// The public API contract (router/public-schema.graphql) against the composed subgraphs.
//
//   npm run schema:check                          lists what the composed schema changes for clients
//                                                 against git HEAD's public schema (or --against <ref>),
//                                                 and fails when router/public-schema.graphql is stale
//   npm run schema:check -- --against origin/main  the same against another ref (e.g. in a pull request)
//   npm run schema:check -- --fail-on-breaking     also fail when the change against the ref is breaking,
//                                                 even though it was accepted (a strict pipeline)
//   npm run schema:check -- --write               records the composed public schema; refuses a breaking
//                                                 change unless --accept-breaking is given too
//
// Exit codes: 0 ok, 1 stale / refused / breaking with --fail-on-breaking, 2 error.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { composeSupergraph, ROOT } from '../router/compose';
import {
  describeChanges,
  isEmpty,
  PUBLIC_SCHEMA_FILE,
  PUBLIC_SCHEMA_PATH_IN_REPO,
  publicSchemaChanges,
  publicSchemaFileText,
  publicSchemaOf,
} from '../router/public-schema';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (!v || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}
const flag = (name: string) => process.argv.includes(name);

/** The public schema as committed at a git ref, or undefined when the file did not exist there. */
function atRef(ref: string): string | undefined {
  try {
    return execFileSync('git', ['show', `${ref}:${PUBLIC_SCHEMA_PATH_IN_REPO}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? '');
    if (/does not exist|exists on disk, but not in/.test(stderr)) return undefined;
    throw new Error(`git show ${ref}:${PUBLIC_SCHEMA_PATH_IN_REPO} failed: ${stderr.trim() || (e as Error).message}`);
  }
}

async function main() {
  const composed = publicSchemaOf(composeSupergraph());
  const committed = existsSync(PUBLIC_SCHEMA_FILE) ? readFileSync(PUBLIC_SCHEMA_FILE, 'utf8') : undefined;

  if (flag('--write')) {
    const changes = committed ? await publicSchemaChanges(committed, composed) : undefined;
    if (changes && isEmpty(changes)) {
      writeFileSync(PUBLIC_SCHEMA_FILE, publicSchemaFileText(composed));
      console.log(`${PUBLIC_SCHEMA_PATH_IN_REPO} is up to date.`);
      return;
    }
    if (changes) console.log(describeChanges(changes));
    if (changes?.breaking.length && !flag('--accept-breaking')) {
      console.error(`\nRefused: ${changes.breaking.length} breaking change(s). Avoid them (deprecate first), or accept them with --write --accept-breaking.`);
      process.exit(1);
    }
    writeFileSync(PUBLIC_SCHEMA_FILE, publicSchemaFileText(composed));
    console.log(`\nwrote ${PUBLIC_SCHEMA_PATH_IN_REPO}`);
    return;
  }

  let failed = false;
  if (!committed) {
    console.error(`${PUBLIC_SCHEMA_PATH_IN_REPO} is missing: run \`npm run schema:check -- --write\`.`);
    failed = true;
  } else {
    const stale = await publicSchemaChanges(committed, composed);
    if (!isEmpty(stale)) {
      console.error(`${PUBLIC_SCHEMA_PATH_IN_REPO} does not match the composed subgraphs:\n${describeChanges(stale)}\n`);
      console.error(`Record the change with \`npm run schema:check -- --write${stale.breaking.length ? ' --accept-breaking' : ''}\`.`);
      failed = true;
    }
  }

  const ref = arg('--against') ?? 'HEAD';
  const base = atRef(ref);
  if (base === undefined) {
    console.log(`${ref} has no ${PUBLIC_SCHEMA_PATH_IN_REPO}: nothing to compare with.`);
  } else {
    const changes = await publicSchemaChanges(base, composed);
    console.log(`Public schema changes against ${ref}:\n${describeChanges(changes)}`);
    if (changes.breaking.length && flag('--fail-on-breaking')) failed = true;
  }
  if (failed) process.exit(1);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(2);
});
