// Text edits in offsets, as the language layer speaks them; lsp/ converts.

import type { Span } from "../language/span";

export interface TextEdit {
  readonly span: Span;
  readonly newText: string;
}

/** Applies non-overlapping edits (in any order) to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.span.start - a.span.start || b.span.end - a.span.end);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.span.end > limit) throw new Error("overlapping edits");
    out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
    limit = e.span.start;
  }
  return out;
}

/**
 * The span of the whole line(s) holding `s`, with its line break, when `s` is
 * alone on them (a trailing `//` comment goes with it).
 */
export function lineSpan(text: string, s: Span): Span | undefined {
  let start = s.start;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  let end = s.end;
  while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
  if (text.startsWith("//", end)) while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
  const atLineStart = start === 0 || text[start - 1] === "\n";
  const atLineEnd = end === text.length || text[end] === "\n" || text[end] === "\r";
  if (!atLineStart || !atLineEnd) return undefined;
  if (text[end] === "\r") end++;
  if (text[end] === "\n") end++;
  return { start, end };
}

/** The indentation of the line holding offset `at`. */
export function indentAt(text: string, at: number): string {
  let start = at;
  while (start > 0 && text[start - 1] !== "\n") start--;
  let end = start;
  while (text[end] === " " || text[end] === "\t") end++;
  return text.slice(start, end);
}
