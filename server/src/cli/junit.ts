// JUnit XML for `race test --junit`: the format CI systems read (GitHub,
// GitLab, Jenkins, Azure). One <testsuite> per run, one <testcase> per
// scenario, a <failure> for an unmet expectation and an <error> for an
// invalid scenario, each with the checker's message and location.

export interface JUnitCase {
  readonly file: string;
  readonly status: "passed" | "failed" | "errored";
  readonly summary: string;
  readonly message: string;
  /** `FILE:LINE:COL` of the failure, if any. */
  readonly location: string | undefined;
  readonly ms: number;
}

// XML 1.0 allows no control characters but tab, newline and carriage return.
const allowed = (c: string): boolean => c >= " " || c === "\t" || c === "\n" || c === "\r";
const xml = (s: string): string =>
  [...s]
    .filter(allowed)
    .join("")
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

export function toJUnit(cases: readonly JUnitCase[], suite = "race"): string {
  const failures = cases.filter((c) => c.status === "failed").length;
  const errors = cases.filter((c) => c.status === "errored").length;
  const total = cases.reduce((t, c) => t + c.ms, 0);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds(total)}">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(total)}">`,
  ];
  for (const c of cases) {
    const dir = c.file.includes("/") ? c.file.slice(0, c.file.lastIndexOf("/")) : ".";
    const name = c.file.slice(c.file.lastIndexOf("/") + 1);
    const open = `    <testcase classname="${xml(dir)}" name="${xml(name)}" file="${xml(c.file)}" time="${seconds(c.ms)}"`;
    if (c.status === "passed") {
      out.push(`${open}>`, `      <system-out>${xml(c.summary)}</system-out>`, `    </testcase>`);
      continue;
    }
    const tag = c.status === "failed" ? "failure" : "error";
    const body = `${c.location ? `${c.location}: ` : ""}${c.message}\n${c.summary}`;
    out.push(`${open}>`, `      <${tag} message="${xml(c.message)}" type="${c.status === "failed" ? "expectation not met" : "invalid scenario"}">${xml(body)}</${tag}>`, `    </testcase>`);
  }
  out.push(`  </testsuite>`, `</testsuites>`, ``);
  return out.join("\n");
}
