// What parse() does between lexing and parsing, on the token stream:
//  - `#include "x.race"` lines are taken out and answered with one hint
//    each (write `import "x.race"`), instead of a bad character and a row
//    of syntax errors;
//  - the arguments of a kernel call written from habit (`mutex_lock(&dev->mutex)`)
//    become one name (`dev_mutex`), so that the call parses whole and the
//    checker can answer it with one hint (`&`, `->` and a keyword such as
//    `mutex` would otherwise break the statement and the ones after it);
//  - nesting is measured and reading stops at MAX_NESTING, because the
//    parser recurses once per level and would overflow the stack long
//    before any later phase could say what is wrong.

import { createTokenInstance, tokenMatcher, type IToken } from "chevrotain";
import { isKernelSpelling, lockNameOf } from "./kernelSpellings";
import { MAX_NESTING } from "./limits";
import { diagnostic, type Diagnostic } from "./messages";
import { span, type Span } from "./span";
import * as T from "./tokens";

export interface Screened {
  /** What the parser reads. */
  readonly tokens: IToken[];
  readonly diagnostics: Diagnostic[];
  /** Ranges whose lexing errors are already explained (a directive's line). */
  readonly quiet: Span[];
  /** Where reading stopped (nesting too deep): the end of the last token read. */
  readonly cutAt: number | undefined;
}

const tokenSpan = (t: IToken): Span => span(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
const isString = (t: IToken | undefined): boolean => t !== undefined && tokenMatcher(t, T.StringLiteral);

export function screenTokens(text: string, input: readonly IToken[]): Screened {
  const diagnostics: Diagnostic[] = [];
  const quiet: Span[] = [];
  const kept: IToken[] = [];
  for (let i = 0; i < input.length; i++) {
    const t = input[i]!;
    const directive = directiveAt(text, input, i);
    if (!directive) {
      kept.push(t);
      continue;
    }
    // The directive runs to the end of its line.
    let last = i;
    while (last + 1 < input.length && input[last + 1]!.startLine === t.startLine) last++;
    const file = input.slice(i + 1, last + 1).find(isString);
    const at = span(directive.start, (input[last]!.endOffset ?? t.startOffset) + 1);
    diagnostics.push(diagnostic("includeDirective", at, directive.word, file ? file.image.replace(/^"|"$/g, "") : undefined));
    quiet.push(at);
    i = last;
  }
  simplifyKernelArguments(text, kept);
  const cut = nestingCut(kept);
  if (cut === undefined) return { tokens: kept, diagnostics, quiet, cutAt: undefined };
  const at = kept[cut]!;
  diagnostics.push(diagnostic("nestingTooDeep", tokenSpan(at), MAX_NESTING));
  const before = kept[cut - 1];
  return { tokens: kept.slice(0, cut), diagnostics, quiet, cutAt: before ? (before.endOffset ?? before.startOffset) + 1 : 0 };
}

/**
 * In place: `name(&a->b, flags)` with `name` a kernel spelling and a first
 * argument that is not a plain lock reference becomes `name(a_b)`, the new
 * name spanning the first argument. Only where the text has what the
 * language never has (`&`, `->`, `.`, `*`), so a scenario's own function
 * of that name is untouched.
 */
function simplifyKernelArguments(text: string, tokens: IToken[]): void {
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (!tokenMatcher(tokens[i]!, T.Identifier) || !isKernelSpelling(tokens[i]!.image) || !tokenMatcher(tokens[i + 1]!, T.LParen)) continue;
    // The matching `)`, and the `,` ending the first argument, within one statement.
    let close = -1;
    let comma = -1;
    for (let j = i + 2, depth = 1; j < tokens.length && j < i + 200; j++) {
      const t = tokens[j]!;
      if (tokenMatcher(t, T.LBrace) || tokenMatcher(t, T.RBrace) || tokenMatcher(t, T.Semicolon)) break;
      if (tokenMatcher(t, T.LParen)) depth++;
      else if (tokenMatcher(t, T.RParen) && --depth === 0) {
        close = j;
        break;
      } else if (tokenMatcher(t, T.Comma) && depth === 1 && comma < 0) comma = j;
    }
    if (close < 0) continue;
    const open = tokens[i + 1]!;
    const argEnd = comma >= 0 ? tokens[comma]!.startOffset : tokens[close]!.startOffset;
    const raw = text.slice((open.endOffset ?? open.startOffset) + 1, argEnd);
    const first = tokens.slice(i + 2, comma >= 0 ? comma : close);
    const plain = (first.length === 1 && tokenMatcher(first[0]!, T.Identifier)) || (first.length === 4 && tokenMatcher(first[0]!, T.Identifier) && tokenMatcher(first[1]!, T.LBracket));
    if (plain || !/&|->|\.|\*/.test(raw)) continue;
    const start = (open.endOffset ?? open.startOffset) + 1 + (raw.length - raw.trimStart().length);
    const end = argEnd - (raw.length - raw.trimEnd().length);
    const at = first[0] ?? open;
    const replaced = createTokenInstance(T.Identifier, lockNameOf(raw), start, end - 1, at.startLine ?? NaN, at.endLine ?? NaN, at.startColumn ?? NaN, at.endColumn ?? NaN);
    tokens.splice(i + 2, close - (i + 2), replaced);
  }
}

/** `#include` (the `#` is a lexing error, so look at the text). `import "…"` is an item of the language (§11). */
function directiveAt(text: string, tokens: readonly IToken[], i: number): { start: number; word: string } | undefined {
  const t = tokens[i]!;
  if (!tokenMatcher(t, T.Identifier) || t.image !== "include") return undefined;
  let j = t.startOffset - 1;
  while (j >= 0 && (text[j] === " " || text[j] === "\t")) j--;
  return text[j] === "#" ? { start: j, word: "#include" } : undefined;
}

/**
 * The index of the first token that nests deeper than MAX_NESTING, if any.
 * A level is a `{` or `(` until its closer, an `else if` until its chain
 * ends (the parser nests each one inside the previous), and a unary `!` or
 * `-` until the operand it applies to is complete.
 */
function nestingCut(tokens: readonly IToken[]): number | undefined {
  // Per open bracket (index 0: outside all): unary operators waiting for their operand, else-ifs in the current chain.
  const unary: number[] = [0];
  const chain: number[] = [0];
  let depth = 0;
  const operandDone = (): void => {
    const top = unary.length - 1;
    depth -= unary[top]!;
    unary[top] = 0;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const top = unary.length - 1;
    if (tokenMatcher(t, T.LParen) || tokenMatcher(t, T.LBrace)) {
      unary.push(0);
      chain.push(0);
      depth++;
    } else if (tokenMatcher(t, T.RParen) || tokenMatcher(t, T.RBrace)) {
      if (top === 0) continue; // unmatched: the parser reports it
      depth -= 1 + unary.pop()! + chain.pop()!;
      if (tokenMatcher(t, T.RParen)) operandDone();
      else if (!(i + 1 < tokens.length && tokenMatcher(tokens[i + 1]!, T.Else))) {
        // A block not followed by `else` ends any else-if chain it belonged to.
        depth -= chain[chain.length - 1]!;
        chain[chain.length - 1] = 0;
      }
      continue;
    } else if (tokenMatcher(t, T.Bang) || (tokenMatcher(t, T.Minus) && !endsOperand(tokens[i - 1]))) {
      unary[top]!++;
      depth++;
    } else if (tokenMatcher(t, T.Else) && i + 1 < tokens.length && tokenMatcher(tokens[i + 1]!, T.If)) {
      chain[top]!++;
      depth++;
    } else if (endsOperand(t)) {
      operandDone();
      continue;
    } else continue;
    if (depth > MAX_NESTING) return i;
  }
  return undefined;
}

/** Can `t` be the last token of an operand (so that a `-` after it is binary)? */
function endsOperand(t: IToken | undefined): boolean {
  if (!t) return false;
  return tokenMatcher(t, T.Identifier) || tokenMatcher(t, T.Integer) || tokenMatcher(t, T.True) || tokenMatcher(t, T.False) || tokenMatcher(t, T.RParen) || tokenMatcher(t, T.RBracket);
}
