// parse(text): never throws, always returns an AST for whatever parsed and
// every lexical and syntax error with a range and a sentence.

import { EOF, type IRecognitionException, type IToken } from "chevrotain";
import type { SourceFile } from "./ast";
import { diagnostic, type Diagnostic } from "./messages";
import { parseTokens } from "./parser";
import { span, type Span } from "./span";
import { toAst } from "./toAst";
import { screenTokens } from "./tokenScan";
import { raceLexer } from "./tokens";

export interface ParseResult {
  readonly ast: SourceFile;
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Set when reading stopped early (nesting too deep): the offset from which
   * the file was not read. Later phases then say nothing about what is missing.
   */
  readonly cutAt?: number;
}

function tokenSpan(t: IToken | undefined): Span | undefined {
  if (!t || !Number.isFinite(t.startOffset)) return undefined;
  return span(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
}

function syntaxErrorSpan(e: IRecognitionException, textLength: number): Span {
  const at = tokenSpan(e.token);
  if (at) return at;
  // At the end of the file: point at the last real token, where the reader looks.
  const prev = tokenSpan((e as IRecognitionException & { previousToken?: IToken }).previousToken);
  if (prev) return prev;
  return span(textLength, textLength);
}

export function parse(text: string): ParseResult {
  try {
    const lexed = raceLexer.tokenize(text);
    const screened = screenTokens(text, lexed.tokens);
    const { cst, parseErrors } = parseTokens(screened.tokens);
    const diagnostics: Diagnostic[] = [...screened.diagnostics];
    const explained = (s: Span): boolean => screened.quiet.some((q) => q.start <= s.start && s.end <= q.end);
    for (const e of lexed.errors) {
      const at = span(e.offset, e.offset + Math.max(1, e.length));
      if (!explained(at)) diagnostics.push(diagnostic("badCharacter", at, text.slice(at.start, at.end)));
    }
    for (const c of lexed.groups["comments"] ?? []) {
      if (c.tokenType.name === "UnterminatedComment") diagnostics.push(diagnostic("unterminatedComment", span(c.startOffset, c.startOffset + 2)));
    }
    const seen = new Set<string>();
    for (const e of parseErrors) {
      // Where reading stopped, the parser only sees the file end: not the author's mistake.
      if (screened.cutAt !== undefined && e.token.tokenType === EOF) continue;
      const at = syntaxErrorSpan(e, text.length);
      const key = `${at.start}:${at.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(diagnostic("syntax", at, { kind: "parser", sentence: e.message }));
    }
    const built = toAst(text, cst);
    diagnostics.push(...built.diagnostics);
    diagnostics.sort((a, b) => a.span.start - b.span.start);
    return screened.cutAt === undefined ? { ast: built.ast, diagnostics } : { ast: built.ast, diagnostics, cutAt: screened.cutAt };
  } catch (err) {
    // The grammar is meant to make this unreachable; if it is not, the user
    // still gets a diagnostic instead of a crashed language server.
    return {
      ast: { kind: "SourceFile", items: [], span: span(0, text.length) },
      diagnostics: [diagnostic("internal", span(0, 0), err instanceof Error ? err.message : String(err))],
    };
  }
}
