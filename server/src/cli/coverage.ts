// `race check --coverage`: after each file, the statements no interleaving
// reaches (coverage.ts), compiler style, or why that is not known.

import type { Analysis } from "../analysis";
import type { Locator } from "../language/sources";
import { location, textLines } from "./text";

export function formatCoverage(file: string, a: Analysis, lines: Locator): string {
  const c = a.coverage;
  if (!c) return textLines([`coverage: not known for ${file} (not checked)`]);
  if (!c.known) return textLines([`coverage: not known for ${file}: the search stopped early, so what it did not reach may still be reachable`]);
  const reached = c.statements - c.unreached.length;
  const head = `coverage: ${reached} of ${c.statements} statements of ${file} reached in some interleaving`;
  if (c.unreached.length === 0) return textLines([head]);
  return textLines([`${head}; never reached:`, ...c.unreached.map((u) => `  ${location(file, lines, u.span)}: ${u.text}`)]);
}

/** The same for --json: 0-based ranges, as everywhere in the JSON. */
export function coverageJson(a: Analysis, lines: Locator): object {
  const c = a.coverage;
  if (!c || !c.known) return { known: false };
  return { known: true, statements: c.statements, unreached: c.unreached.map((u) => ({ text: u.text, range: lines.range(u.span), ...(lines.file?.(u.span) !== undefined ? { file: lines.file(u.span)! } : {}) })) };
}
