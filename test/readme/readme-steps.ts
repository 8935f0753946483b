// Reads the runnable steps out of README.md, for test/readme/readme.test.ts.
//
// A step is a fenced block whose info string names a scenario:
//
//   ```sh scenario=bakery            a shell step, run in one bash session with every step before it
//   ```sh scenario=bakery wait       re-run (up to a deadline) until its answer matches: for reads of
//                                    eventually consistent state, where a person pasting is slower than the events
//   ```json expect                   what the previous step prints: one JSON value per answer, each a
//                                    subset of the real answer (fields left out are not compared; arrays
//                                    must have the same length)
//
// Blocks without `scenario=` (graphql examples, `npm start`, output samples) are documentation only.

export interface ReadmeStep {
  scenario: string;
  /** 1-based line of the opening fence in README.md, for failure messages. */
  line: number;
  code: string;
  /** Re-run until the expectation matches (see above). */
  wait: boolean;
  expect?: { line: number; values: unknown[] };
}

/** Parses the info string after the fence's language: `key=value` pairs and bare flags. */
function attributesOf(info: string): Record<string, string | true> {
  const attrs: Record<string, string | true> = {};
  for (const word of info.trim().split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq < 0) attrs[word] = true;
    else attrs[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return attrs;
}

/**
 * The README's steps in document order. Throws on a malformed layout (an `expect` block
 * with no step before it, two for one step, JSON that does not parse), naming the line.
 */
export function readmeSteps(markdown: string): ReadmeStep[] {
  const lines = markdown.split('\n');
  const steps: ReadmeStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\w*)[ \t]*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, fence, lang, info] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i].startsWith(fence) && lines[i].trim() === fence); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: code block never closed`);
    const attrs = attributesOf(info);
    const code = body.join('\n');
    if (typeof attrs.scenario === 'string' && (lang === 'sh' || lang === 'bash')) {
      steps.push({ scenario: attrs.scenario, line: start + 1, code, wait: attrs.wait === true });
    } else if (attrs.expect === true) {
      const step = steps.at(-1);
      if (!step) throw new Error(`README.md:${start + 1}: an expect block needs a scenario step before it`);
      if (step.expect) throw new Error(`README.md:${start + 1}: the step at line ${step.line} already has an expect block`);
      try {
        step.expect = { line: start + 1, values: jsonValues(code) };
      } catch (e) {
        throw new Error(`README.md:${start + 1}: ${(e as Error).message}`);
      }
    }
  }
  return steps;
}

/**
 * The top-level JSON objects and arrays in a text, in order (a step may print several
 * answers, pretty or compact; any other text around them is ignored).
 */
export function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth > 0 && ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth++ === 0) start = i;
    } else if ((ch === '}' || ch === ']') && depth > 0 && --depth === 0) {
      values.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  if (depth !== 0) throw new Error(`unterminated JSON value: ${text.slice(start, start + 80)}`);
  return values;
}

/** True when `actual` has every field of `expected` with equal values (arrays: same length, element by element). */
export function matchesSubset(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesSubset(actual[i], e));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => matchesSubset((actual as Record<string, unknown>)[k], v));
  }
  return Object.is(actual, expected);
}
