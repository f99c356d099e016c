// The formatter: re-indents by brace depth (two spaces), trims trailing
// white space, keeps at most one blank line in a row and ends the file with
// one newline. It only ever changes white space between lines and at their
// ends, so tokens and comments are kept exactly, and formatting formatted
// text changes nothing (idempotent).

import type { IToken } from "chevrotain";
import { raceLexer } from "../language/tokens";

const INDENT = "  ";

export function format(text: string): string {
  const lexed = raceLexer.tokenize(text);
  // Brace depth at each offset, from real tokens only (not strings or comments).
  const braces: { offset: number; delta: number }[] = [];
  for (const t of lexed.tokens as IToken[]) {
    if (t.image === "{") braces.push({ offset: t.startOffset, delta: 1 });
    else if (t.image === "}") braces.push({ offset: t.startOffset, delta: -1 });
  }
  // Offsets inside block comments or strings that span lines must not be re-indented.
  const frozen: { start: number; end: number }[] = [];
  for (const c of (lexed.groups["comments"] ?? []) as IToken[]) {
    if (c.image.includes("\n")) frozen.push({ start: c.startOffset, end: c.startOffset + c.image.length });
  }
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  let offset = 0;
  let depth = 0;
  let b = 0;
  let blank = 0;
  for (const raw of lines) {
    const lineStart = offset;
    offset += raw.length + 1;
    const inFrozen = frozen.some((f) => f.start < lineStart && lineStart < f.end);
    const trimmed = raw.trim();
    // Depth at the line's first token: closing braces at its start dedent it.
    while (b < braces.length && braces[b]!.offset < lineStart) depth += braces[b++]!.delta;
    let leadingClosers = 0;
    const firstNonSpace = lineStart + (raw.length - raw.trimStart().length);
    for (let k = b; k < braces.length && braces[k]!.delta < 0; k++) {
      const at = braces[k]!.offset;
      if (at !== firstNonSpace + leadingClosers) break;
      // only count closers that are themselves at the start (e.g. "} else {" counts one)
      if (text.slice(firstNonSpace, at).trim() !== "}".repeat(leadingClosers)) break;
      leadingClosers++;
    }
    if (inFrozen) {
      out.push(raw.trimEnd());
      blank = 0;
      continue;
    }
    if (trimmed === "") {
      blank++;
      if (blank <= 1 && out.length > 0) out.push("");
      continue;
    }
    blank = 0;
    out.push(INDENT.repeat(Math.max(0, depth - leadingClosers)) + trimmed);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.length === 0 ? "" : out.join("\n") + "\n";
}
