// Tokens of the .race language (race-language.md §2). Keywords are tokens
// of their own with Identifier as longer_alt; `deadlock`, `violation` and
// `safe` are plain identifiers that only the `expect` rule gives meaning.

import { createToken, Lexer, type TokenType } from "chevrotain";

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

const keywordTokens: TokenType[] = [];
function keyword(word: string): TokenType {
  const t = createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier, label: `'${word}'` });
  keywordTokens.push(t);
  return t;
}

export const Scenario = keyword("scenario");
export const Mutex = keyword("mutex");
export const Recursive = keyword("recursive");
export const Rwsem = keyword("rwsem");
export const Spinlock = keyword("spinlock");
export const Var = keyword("var");
export const Fn = keyword("fn");
export const Driver = keyword("driver");
export const Cpu = keyword("cpu");
export const Expect = keyword("expect");
export const Lock = keyword("lock");
export const Unlock = keyword("unlock");
export const Rlock = keyword("rlock");
export const Runlock = keyword("runlock");
export const Trylock = keyword("trylock");
export const If = keyword("if");
export const Else = keyword("else");
export const While = keyword("while");
export const Either = keyword("either");
export const Or = keyword("or");
export const Wait = keyword("wait");
export const Until = keyword("until");
export const Assert = keyword("assert");
export const Return = keyword("return");
export const True = keyword("true");
export const False = keyword("false");
export const Held = keyword("held");
export const Locked = keyword("locked");

export const KEYWORDS: readonly string[] = keywordTokens.map((t) => String(t.PATTERN).slice(1, -1));

export const StringLiteral = createToken({ name: "StringLiteral", pattern: Lexer.NA, label: "a string" });
export const ClosedString = createToken({
  name: "ClosedString",
  pattern: /"(?:[^"\\\r\n]|\\.)*"/,
  categories: [StringLiteral],
  label: "a string",
});
/** Accepted where a string may stand so that parsing goes on; reported by toAst. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\r\n]|\\.)*/,
  categories: [StringLiteral],
  label: "a string",
});
export const Integer = createToken({ name: "Integer", pattern: /[0-9]+/, label: "an integer" });

export const LBrace = createToken({ name: "LBrace", pattern: /{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /}/, label: "'}'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /]/, label: "']'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/, label: "';'" });
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "'.'" });
/** Only in `[*]`: one instance per object of the scenario (race-language.md §11). */
export const Star = createToken({ name: "Star", pattern: /\*/, label: "'*'" });

/** Every binary operator: the grammar reads `a op b op c` flat; toAst applies precedence. */
export const BinaryOperator = createToken({ name: "BinaryOperator", pattern: Lexer.NA, label: "an operator" });
export const AndAnd = createToken({ name: "AndAnd", pattern: /&&/, label: "'&&'", categories: [BinaryOperator] });
export const OrOr = createToken({ name: "OrOr", pattern: /\|\|/, label: "'||'", categories: [BinaryOperator] });
export const EqEq = createToken({ name: "EqEq", pattern: /==/, label: "'=='", categories: [BinaryOperator] });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, label: "'!='", categories: [BinaryOperator] });
export const LessEq = createToken({ name: "LessEq", pattern: /<=/, label: "'<='", categories: [BinaryOperator] });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: />=/, label: "'>='", categories: [BinaryOperator] });
export const Less = createToken({ name: "Less", pattern: /</, label: "'<'", categories: [BinaryOperator] });
export const Greater = createToken({ name: "Greater", pattern: />/, label: "'>'", categories: [BinaryOperator] });
export const Assign = createToken({ name: "Assign", pattern: /=/, label: "'='" });
export const Bang = createToken({ name: "Bang", pattern: /!/, label: "'!'" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, label: "'+'", categories: [BinaryOperator] });
export const Minus = createToken({ name: "Minus", pattern: /-/, label: "'-'", categories: [BinaryOperator] });

export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\r\n]*/, group: "comments" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, line_breaks: true, group: "comments" });
/** An opening `/*` never closed: swallowed to the end and reported by toAst. */
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
  group: "comments",
});
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });

export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  ClosedString,
  UnterminatedString,
  // longest first, so that `locked` is not lexed as `lock` + Identifier
  ...[...keywordTokens].sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length),
  Identifier,
  Integer,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semicolon,
  Dot,
  Star,
  BinaryOperator,
  AndAnd,
  OrOr,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Assign,
  Bang,
  Plus,
  Minus,
];

export const raceLexer = new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false });
