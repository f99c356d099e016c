// The formatter: re-indents by brace depth (two spaces), trims trailing
// white space, keeps at most one blank line in a row and ends the file with
// one line break. It only ever changes white space between lines and at their
// ends, so tokens and comments are kept (up to trailing white space in a
// comment and the kind of line break inside a block comment), and formatting
// formatted text changes nothing (idempotent).
//
// Line breaks are what the lexer and LineIndex take them to be: CRLF, LF and
// a lone CR. The output uses the file's dominant one throughout (the most
// frequent; a tie or a file without any goes to LF, then CRLF), so a CRLF
// file stays CRLF and a file with a few stray endings is made uniform.
//
// One pass over the lines with a cursor over the tokens and one over the
// comments: time linear in the text. Indentation stops growing at
// MAX_INDENT_DEPTH levels, otherwise deep nesting alone would make the
// output (and the time to write it) quadratic in the input.

import type { IToken } from "chevrotain";
import { raceLexer, UnterminatedString } from "../language/tokens";

const INDENT = "  ";
/** Deeper blocks are indented as this depth (128 columns). */
export const MAX_INDENT_DEPTH = 64;

export type LineEnding = "\n" | "\r\n" | "\r";

/** The most frequent line ending of `text`; ties (and none at all) go to LF, then CRLF. */
export function dominantLineEnding(text: string): LineEnding {
  let lf = 0;
  let crlf = 0;
  let cr = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) lf++;
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) {
        crlf++;
        i++;
      } else cr++;
    }
  }
  if (lf >= crlf && lf >= cr) return "\n";
  return crlf >= cr ? "\r\n" : "\r";
}

export function format(text: string): string {
  return formatCounted(text).text;
}

// A run of lexer white space (JavaScript's \s, as in tokens.ts), from a position.
const SPACES = /\s*/y;

/**
 * The formatter, with a count of the elementary steps it took: characters
 * scanned, tokens and comments passed, characters written. Tests assert it
 * grows linearly with the input; it is what `format` costs besides lexing.
 */
export function formatCounted(text: string): { text: string; work: number } {
  const lexed = raceLexer.tokenize(text);
  const tokens = lexed.tokens as IToken[];
  const comments = (lexed.groups["comments"] ?? []) as IToken[];
  const eol = dominantLineEnding(text);
  let work = text.length + tokens.length;
  // Where an unterminated string runs to the end of its line, its trailing
  // white space is part of it (`"a\ ` ends in an escaped space): kept.
  const openStringEnds = new Set<number>();
  for (const tok of tokens) if (tok.tokenType === UnterminatedString) openStringEnds.add(tok.startOffset + tok.image.length);
  const out: string[] = [];
  let depth = 0; // brace depth before token `t`
  let t = 0; // first token at or after the current line's start
  let c = 0; // first comment ending after the current line's start
  let blank = 0;
  for (let lineStart = 0; lineStart <= text.length; ) {
    let lineEnd = lineStart;
    while (lineEnd < text.length && text.charCodeAt(lineEnd) !== 10 && text.charCodeAt(lineEnd) !== 13) lineEnd++;
    const crlf = text.charCodeAt(lineEnd) === 13 && text.charCodeAt(lineEnd + 1) === 10;
    const next = lineEnd + (crlf ? 2 : 1);
    const raw = text.slice(lineStart, lineEnd);
    work += next - lineStart;

    while (t < tokens.length && tokens[t]!.startOffset < lineStart) {
      const image = tokens[t++]!.image;
      if (image === "{") depth++;
      else if (image === "}") depth--;
      work++;
    }
    while (c < comments.length && comments[c]!.startOffset + comments[c]!.image.length <= lineStart) {
      c++;
      work++;
    }
    // A line that starts inside a block comment is the comment's own text: kept as it is.
    const inComment = c < comments.length && comments[c]!.startOffset < lineStart;
    if (inComment) {
      out.push(raw.trimEnd());
      blank = 0;
    } else {
      const trimmed = openStringEnds.has(lineEnd) ? raw.trimStart() : raw.trim();
      if (trimmed === "") {
        blank++;
        if (blank <= 1 && out.length > 0) out.push("");
      } else {
        blank = 0;
        // Closing braces that open the line ("}", "} else {", "} }") dedent it.
        let closers = 0;
        let at = lineStart + (raw.length - raw.trimStart().length);
        for (let k = t; k < tokens.length && tokens[k]!.image === "}" && tokens[k]!.startOffset === at; k++) {
          closers++;
          SPACES.lastIndex = at + 1;
          SPACES.exec(text);
          work += SPACES.lastIndex - at;
          at = Math.min(SPACES.lastIndex, lineEnd);
        }
        const level = Math.min(MAX_INDENT_DEPTH, Math.max(0, depth - closers));
        out.push(INDENT.repeat(level) + trimmed);
        work += level * INDENT.length + trimmed.length;
      }
    }
    lineStart = next;
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return { text: out.length === 0 ? "" : out.join(eol) + eol, work };
}
