// The comments that document a declaration: the `//` lines right above
// it, or the one at the end of its line, and a file's opening comment.
// Hover shows them for what a scenario imports (race-language.md §11: each
// library function says what kernel code it abstracts), and the library's
// documentation pages are made from them.

/** The `//` lines right above the line of `offset` (none when a blank line or code comes between), without their slashes. */
export function commentAbove(text: string, offset: number): string[] {
  const lines = text.slice(0, offset).split(/\r?\n/);
  lines.pop(); // the declaration's own line, up to it
  const out: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^\s*\/\/ ?(.*)$/.exec(lines[i]!);
    if (!m) break;
    out.unshift(m[1]!);
  }
  return out;
}

/** The `//` comment at the end of the line of `offset`, if any. */
export function commentAfter(text: string, offset: number): string | undefined {
  const end = text.indexOf("\n", offset);
  const line = text.slice(offset, end < 0 ? text.length : end);
  const m = /\/\/ ?(.*?)\s*$/.exec(line);
  return m ? m[1] : undefined;
}

/** A file's opening comment: its `//` lines up to the first line that is not one. */
export function headerComment(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\/\/ ?(.*)$/.exec(line);
    if (!m) break;
    out.push(m[1]!);
  }
  return out;
}

/** Comment lines as markdown paragraphs: an empty comment line ends one. */
export function paragraphs(lines: readonly string[]): string {
  return lines
    .join("\n")
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
    .filter((p) => p !== "")
    .join("\n\n");
}
