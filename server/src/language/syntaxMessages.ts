// Sentences for syntax errors. chevrotain's defaults name token types and
// grammar rules; these say what was expected in the words of the language.

import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "chevrotain";

const ruleWords: Record<string, string> = {
  file: "a declaration",
  item: "a declaration ('scenario', 'mutex', 'recursive mutex', 'rwsem', 'spinlock', 'var', 'fn', 'driver', 'cpu', 'expect', 'workqueue', 'work', 'kthread', 'completion', 'kernfs', 'srcu', 'irq', 'softirq' or 'rwlock')",
  lockDecl: "a lock kind ('mutex', 'recursive mutex', 'rwsem' or 'spinlock')",
  constant: "a constant (an integer, 'true' or 'false')",
  stmt: "a statement ('lock', 'unlock', 'rlock', 'runlock', 'if', 'while', 'either', 'wait until', 'assert', 'return', 'var x = …', 'x = …' or a call)",
  expectDecl: "'safe' or a list of 'deadlock', 'violation', 'misuse' after 'expect'",
  eitherBranch: "a branch: '{ … }', or a label and '{ … }'",
  nameStmt: "'=', '(' or '.' after the name (an assignment or a call)",
  primary: "an expression",
  unaryExpr: "an expression",
  expr: "an expression",
  ifStmt: "'if' or '{' after 'else'",
  instanceList: "an object name",
};

function describe(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  return `'${token.image}'`;
}

function label(t: TokenType): string {
  if (t.LABEL) return t.LABEL;
  if (t.name === "Identifier") return "a name";
  return t.name;
}

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected === EOF) return `Unexpected ${describe(actual)}; expected ${ruleWords["item"]}.`;
    return `Expected ${label(expected)} but found ${describe(actual)}.`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `Unexpected ${describe(firstRedundant)}; expected ${ruleWords["item"]}.`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    const first = actual[0];
    const found = first ? describe(first) : "the end of the file";
    return `Expected ${ruleWords[ruleName] ?? ruleName} but found ${found}.`;
  },
  buildEarlyExitMessage({ actual, ruleName, expectedIterationPaths }) {
    const first = actual[0];
    const found = first ? describe(first) : "the end of the file";
    const firstTokens = expectedIterationPaths.map((p) => (p[0] ? label(p[0]) : "")).filter(Boolean);
    // After `expect`, "a name" would not say which names.
    const what = firstTokens.length > 0 && ruleName !== "expectDecl" ? firstTokens.join(" or ") : (ruleWords[ruleName] ?? ruleName);
    return `Expected ${what} but found ${found}.`;
  },
};
