// The one catalogue of user-visible messages. Every diagnostic the front end
// or the engine produces is made here, with a stable code; quick fixes and
// tests key off the code, never off the text.

import { unreachable } from "./ast";
import type { Span } from "./span";

export type Severity = "error" | "warning" | "information" | "hint";

export interface Related {
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly related?: readonly Related[];
  /** For an engine finding's diagnostic: its index in Analysis.findings (trace, sites). */
  readonly finding?: number;
}

const q = (name: string): string => `'${name}'`;
const exclusiveOf: Record<string, string> = { rlock: "lock", runlock: "unlock", rtrylock: "trylock" };
/** "a mutex", "an object instance", "an int". */
export const article = (noun: string): string => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * A syntax error: the parser's, worded by syntaxMessages.ts (chevrotain asks
 * its message provider for the sentence), or a limit of the file's shape.
 */
export type SyntaxProblem = { readonly kind: "parser"; readonly sentence: string } | { readonly kind: "tooManyCpus"; readonly max: number };

/** A value's type as a type error names it; for a parameter, the constant it is bound to and where that was passed (`line:column`). */
export interface TypeWords {
  readonly type: "int" | "bool";
  readonly bound?: { readonly param: string; readonly value: string; readonly at: string };
}

const typeWords = (t: TypeWords): string => (t.type === "int" ? "an int" : "a bool") + (t.bound ? ` (${q(t.bound.param)} is ${t.bound.value}, passed at ${t.bound.at})` : "");

export type TypeMismatch =
  | { readonly kind: "assign"; readonly value: TypeWords; readonly target: string; readonly targetType: "int" | "bool" }
  | { readonly kind: "condition"; readonly statement: string; readonly value: TypeWords }
  /** An operand of `!`, `-` (one operand) or of a binary operator (two). */
  | { readonly kind: "operand"; readonly op: string; readonly binary: boolean; readonly wants: "int" | "bool"; readonly value: TypeWords }
  | { readonly kind: "compare"; readonly op: string; readonly left: TypeWords; readonly right: TypeWords };

function typeMismatch(m: TypeMismatch): string {
  switch (m.kind) {
    case "assign":
      return `Cannot assign ${typeWords(m.value)} to ${q(m.target)}, ${article(m.targetType)} variable.`;
    case "condition":
      return `The condition of ${q(m.statement)} must be a bool, but this is ${typeWords(m.value)}; compare it, e.g. '… != 0'.`;
    case "operand": {
      const wants = m.binary ? `${m.wants}s` : article(m.wants);
      return `${q(m.op)} needs ${wants}, but this is ${typeWords(m.value)}.`;
    }
    case "compare":
      return `${q(m.op)} compares values of one type, but the left is ${typeWords(m.left)} and the right ${typeWords(m.right)}.`;
    default:
      return unreachable(m);
  }
}

export type BadArgument =
  | { readonly kind: "indexed"; readonly index: string }
  /** A name that is neither an object, a constant nor a parameter: what it is ("local variable", "mutex"). */
  | { readonly kind: "name"; readonly name: string; readonly what: string }
  | { readonly kind: "expression" };

const ARGUMENTS = "object names, integer or boolean constants, or parameters";

function badArgument(b: BadArgument): string {
  switch (b.kind) {
    case "indexed":
      return `Arguments cannot be indexed: pass the object name (${q(b.index)}) and index inside the callee.`;
    case "name":
      return `${q(b.name)} is ${article(b.what)}; arguments are ${ARGUMENTS}.`;
    case "expression":
      return `Arguments are ${ARGUMENTS}; compute the value inside the callee.`;
    default:
      return unreachable(b);
  }
}

/** What stands where an index wants an object: a name of another kind ("local variable", "mutex"), or a parameter bound to a constant. */
export type NotAnObject =
  | { readonly kind: "name"; readonly what: string; readonly name: string }
  | { readonly kind: "bound"; readonly type: "int" | "bool"; readonly value: string; readonly param: string; readonly at: string };

export type ImportUsage = { readonly kind: "outputWithoutFile" } | { readonly kind: "unknownOption"; readonly option: string } | { readonly kind: "twoInputs" };

function importUsage(u: ImportUsage): string {
  switch (u.kind) {
    case "outputWithoutFile":
      return "-o needs a file name";
    case "unknownOption":
      return `unknown option ${q(u.option)}`;
    case "twoInputs":
      return "import takes one input (a file, or - for stdin)";
    default:
      return unreachable(u);
  }
}

/** The sentences of related locations (a diagnostic's other places). */
export const relatedText = {
  /** An argument that a parameter is bound to. */
  passedHere: (value: string): string => `${q(value)} is passed here`,
};

/** code, default severity and the sentence of each message. */
export const catalogue = {
  // syntax (RACE00x)
  syntax: { code: "RACE001", severity: "error", text: (e: SyntaxProblem) => (e.kind === "parser" ? e.sentence : `At most ${e.max} CPUs are supported.`) },
  badCharacter: {
    code: "RACE002",
    severity: "error",
    text: (ch: string) => `Unexpected character ${JSON.stringify(ch)}; remove it (identifiers are [A-Za-z_][A-Za-z0-9_]*).`,
  },
  unterminatedString: {
    code: "RACE003",
    severity: "error",
    text: () => `Unterminated string; close it with '"' on the same line.`,
  },
  unterminatedComment: {
    code: "RACE004",
    severity: "error",
    text: () => `Unterminated block comment; close it with '*/'.`,
  },
  // names (RACE01x)
  unknownLock: {
    code: "RACE010",
    severity: "error",
    text: (name: string) => `Unknown lock ${q(name)}; declare it, e.g. 'mutex ${name}'.`,
  },
  unknownVariable: {
    code: "RACE011",
    severity: "error",
    text: (name: string) => `Unknown variable ${q(name)}; declare it, e.g. 'var ${name} = false'.`,
  },
  unknownFunction: {
    code: "RACE012",
    severity: "error",
    text: (name: string) => `Unknown function ${q(name)}; declare it with 'fn ${name}(…) { … }'.`,
  },
  unknownDriver: {
    code: "RACE013",
    severity: "error",
    text: (name: string) => `Unknown driver ${q(name)}; declare it with 'driver ${name} { … }'.`,
  },
  unknownCallback: {
    code: "RACE014",
    severity: "error",
    text: (driver: string, cb: string) => `Driver ${q(driver)} has no callback ${q(cb)}; add '${cb}(…) { … }' to it.`,
  },
  unknownName: {
    code: "RACE015",
    severity: "error",
    text: (name: string) =>
      `Unknown name ${q(name)}: not a parameter here nor an instance named in any lock or variable declaration.`,
  },
  duplicate: {
    code: "RACE016",
    severity: "error",
    text: (what: string, name: string, prior?: string, fix = "rename one of them") =>
      `Duplicate ${what} ${q(name)}${prior ? ` (already declared as ${article(prior)})` : ""}; ${fix}.`,
  },
  // use of names (RACE02x)
  arity: {
    code: "RACE020",
    severity: "error",
    text: (callee: string, expected: number, got: number) =>
      `${q(callee)} takes ${expected} argument${expected === 1 ? "" : "s"} but is called with ${got}.`,
  },
  noSuchInstance: {
    code: "RACE021",
    severity: "error",
    /** `via`: the parameter bound to the instance, and where it was passed (`line:column`). */
    text: (name: string, instance: string, known: readonly string[], via?: { readonly param: string; readonly at: string }) =>
      `${q(name)} has no instance ${q(instance)}${via ? ` (${q(via.param)} is ${q(instance)}, passed at ${via.at})` : ""}; it is declared for ${known.map(q).join(", ")}.`,
  },
  notIndexed: {
    code: "RACE022",
    severity: "error",
    text: (name: string) => `${q(name)} is not indexed; remove the '[…]' or declare it with instances.`,
  },
  missingIndex: {
    code: "RACE023",
    severity: "error",
    text: (name: string, known: readonly string[]) =>
      `${q(name)} has one instance per object; say which, e.g. '${name}[${known[0] ?? "obj"}]'.`,
  },
  notRwsem: {
    code: "RACE024",
    severity: "error",
    text: (op: string, name: string, kind: string) =>
      `'${op}' takes the shared side of an rwsem, but ${q(name)} is ${article(kind)}; use '${exclusiveOf[op] ?? "lock"}' or declare it 'rwsem'.`,
  },
  notALock: {
    code: "RACE025",
    severity: "error",
    text: (name: string, what: string) => `${q(name)} is ${article(what)}, not a lock; lock operations and held()/locked() take a lock.`,
  },
  notAVariable: {
    code: "RACE026",
    severity: "error",
    text: (name: string, what: string) => `${q(name)} is ${article(what)}, not a variable; only variables can be assigned or read.`,
  },
  notAFunction: {
    code: "RACE027",
    severity: "error",
    text: (name: string, what: string) => `${q(name)} is ${article(what)}, not a function; only 'fn' items and driver callbacks can be called.`,
  },
  recursion: {
    code: "RACE028",
    severity: "error",
    text: (cycle: readonly string[]) =>
      `Recursion is not allowed (calls are expanded at compile time): ${cycle.join(" → ")}.`,
  },
  // scenario structure (RACE03x)
  noCpu: {
    code: "RACE030",
    severity: "error",
    text: () => `A scenario needs at least one 'cpu NAME { … }' block.`,
  },
  twoScenarios: {
    code: "RACE031",
    severity: "error",
    text: () => `Only one 'scenario' line is allowed; remove this one or merge the titles.`,
  },
  trylockOutsideIf: {
    code: "RACE032",
    severity: "error",
    text: (op: string) =>
      `'${op}' is only allowed as the whole condition of an 'if' or a 'while', negated or not: 'if ${op} L { … } else { … }', 'while !${op} L { … }'.`,
  },
  intRange: {
    code: "RACE033",
    severity: "error",
    text: (value: string) => `Integer ${value} is out of range; ints are bounded to -128..127.`,
  },
  typeMismatch: {
    code: "RACE034",
    severity: "error",
    text: typeMismatch,
  },
  objectAsValue: {
    code: "RACE035",
    severity: "error",
    text: (name: string) =>
      `${q(name)} names an object instance, which is not a value; use it as an index or pass it as an argument.`,
  },
  valueAsObject: {
    code: "RACE036",
    severity: "error",
    text: (what: NotAnObject) =>
      `An index must name an object instance (or a parameter bound to one), not ${what.kind === "name" ? `the ${what.what} ${q(what.name)}` : `the ${what.type} ${what.value} bound to ${q(what.param)} at ${what.at}`}.`,
  },
  eitherBranches: {
    code: "RACE037",
    severity: "error",
    text: () => `'either' needs at least two branches: 'either { … } or { … }'.`,
  },
  badExpect: {
    code: "RACE038",
    severity: "error",
    text: (word: string) =>
      `Unknown expectation ${q(word)}; write 'expect safe' or list what must be found: 'deadlock', 'violation', 'misuse' (e.g. 'expect deadlock, misuse').`,
  },
  twoExpects: {
    code: "RACE039",
    severity: "error",
    text: () => `Only one 'expect' line is allowed; remove this one.`,
  },
  badArgument: {
    code: "RACE040",
    severity: "error",
    text: badArgument,
  },
  includeDirective: {
    code: "RACE041",
    severity: "error",
    text: (word: string, file: string | undefined) =>
      `'${word}' is not supported: a scenario is one file for now (imports are planned, design v2 §11). Paste the declarations you need${file ? ` from ${q(file)}` : ""} into this file.`,
  },
  nestingTooDeep: {
    code: "RACE042",
    severity: "error",
    text: (max: number) =>
      `Nested more than ${max} levels deep (braces, parentheses, 'else if' chains and '!'/'-' each count); the file is not read past this point. Flatten it, e.g. move inner code into a function.`,
  },
  expressionTooLarge: {
    code: "RACE043",
    severity: "error",
    text: (size: number, max: number) =>
      `This expression has ${size.toLocaleString("en-US")} operands and operators; at most ${max} are supported. Split it, e.g. into nested 'if's or a local 'var'.`,
  },
  callTooDeep: {
    code: "RACE044",
    severity: "error",
    text: (chain: string, what: string) => `Calls nest too deep here (${chain}): ${what}. Calls are expanded at compile time; flatten the call chain.`,
  },
  expansionTooLarge: {
    code: "RACE045",
    severity: "error",
    text: (cpu: string, what: string, detail: string) =>
      `CPU ${q(cpu)} expands to more than ${what} (calls are expanded in place at compile time)${detail}. Call less, or split the work between CPUs.`,
  },
  tooManyBranches: {
    code: "RACE046",
    severity: "error",
    text: (count: number, max: number) => `This 'either' has ${count.toLocaleString("en-US")} branches; at most ${max} are supported.`,
  },
  kernelSpelling: {
    code: "RACE047",
    severity: "error",
    text: (written: string, instead: string, note: string) => `${q(written)} is the kernel's spelling; write ${q(instead)}${note}.`,
  },
  safeNotAlone: {
    code: "RACE048",
    severity: "error",
    text: () => `'safe' stands alone: 'expect safe' claims nothing is found; remove 'safe' or the other kinds.`,
  },
  callAsValue: {
    code: "RACE049",
    severity: "error",
    text: (name: string) => `A call ${q(name + "(…)")} is a statement, not a value; call it on its own line and read the shared state it sets.`,
  },
  // warnings (RACE05x)
  unusedLock: {
    code: "RACE050",
    severity: "warning",
    text: (name: string) => `Lock ${q(name)} is never taken; remove it or use it.`,
  },
  unusedVariable: {
    code: "RACE051",
    severity: "warning",
    text: (name: string) => `Variable ${q(name)} is never used; remove it or use it.`,
  },
  unusedFunction: {
    code: "RACE052",
    severity: "warning",
    text: (name: string) => `Function ${q(name)} is never called; remove it or call it from a CPU.`,
  },
  unusedCallback: {
    code: "RACE053",
    severity: "warning",
    text: (driver: string, cb: string) => `Callback ${driver}.${cb}() is never called.`,
  },
  // engine findings (RACE1xx)
  deadlock: { code: "RACE100", severity: "error", text: (detail: string) => detail },
  hang: { code: "RACE101", severity: "error", text: (detail: string) => detail },
  violation: { code: "RACE102", severity: "error", text: (detail: string) => detail },
  badUnlock: { code: "RACE103", severity: "error", text: (detail: string) => detail },
  lockHeldAtExit: { code: "RACE104", severity: "error", text: (detail: string) => detail },
  overflow: { code: "RACE105", severity: "error", text: (detail: string) => detail },
  expectationNotMet: { code: "RACE106", severity: "error", text: (detail: string) => detail },
  inversionGated: { code: "RACE107", severity: "hint", text: (detail: string) => detail },
  inversionUnreached: { code: "RACE108", severity: "information", text: (detail: string) => detail },
  incomplete: { code: "RACE109", severity: "warning", text: (detail: string) => detail },
  internal: {
    code: "RACE199",
    severity: "error",
    text: (detail: string) => `Internal error (please report it): ${detail}`,
  },
  // coverage (RACE15x)
  neverReached: {
    code: "RACE150",
    severity: "information",
    text: () => `Never reached in any interleaving.`,
  },
  vacuousAssert: {
    code: "RACE151",
    severity: "warning",
    text: (expectation: string) => `This assert is never reached in any interleaving, so 'expect ${expectation}' claims nothing about it (vacuous).`,
  },
  cyclesIncomplete: {
    code: "RACE111",
    severity: "warning",
    text: (found: number, why: string) =>
      `Only ${found} lock-order cycle${found === 1 ? " was" : "s were"} listed: the search for them stopped (${why}); others may exist, unreported.`,
  },
  // the editor's checking worker (RACE11x)
  outOfMemory: {
    code: "RACE110",
    severity: "warning",
    text: (limitMb: number) =>
      `The check ran out of memory at ${limitMb} MB and was stopped; nothing was verified. Lower race.maxStates or simplify the scenario (calls are expanded at compile time, so a call chain that fans out grows exponentially), or raise race.workerMemoryMb.`,
  },
  // lockdep reports (RACE17x): `race import` and the editor's conversion (server/src/import/)
  lockdepReport: {
    code: "RACE170",
    severity: "error",
    text: (header: string, count: number) =>
      `This looks like a lockdep report (${header}${count > 1 ? `, and ${count - 1} more` : ""}), not a scenario: use the quick fix 'Convert lockdep report to a scenario' (or \`race import\`) to write it as one.`,
  },
  importNoReport: {
    code: "RACE171",
    severity: "error",
    text: (source: string, others: readonly string[]) =>
      `${others.length > 0 ? `${source} has lockdep reports race import does not read (${others.join("; ")})` : `No lockdep report found in ${source}`}; it reads 'possible circular locking dependency', 'possible recursive locking', 'inconsistent lock state', 'possible irq lock inversion dependency' and 'HARDIRQ-safe -> HARDIRQ-unsafe lock order' reports (with their WARNING line).`,
  },
  importIncompleteReport: {
    code: "RACE172",
    severity: "warning",
    text: (line: number, header: string, missing: string) => `The report at input line ${line} (${header}) has no ${missing}; it is not imported.`,
  },
  importPseudoLock: {
    code: "RACE173",
    severity: "information",
    text: (cls: string, what: string, kind: string, primitive: string) => `${cls} is ${what}; the scenario writes it as ${article(kind)} until the language has ${primitive}.`,
  },
  importUnmapped: {
    code: "RACE174",
    severity: "information",
    text: (cls: string, what: string, kind: string) => `${cls} is ${what}: written as a plain ${kind}.`,
  },
  importInterrupt: {
    code: "RACE175",
    severity: "warning",
    text: (context: string) =>
      `Interrupt handlers are not modelled yet (race-language.md §10): the ${context} is written as a call inside 'either' where lockdep's scenario shows it firing, and its nesting on the CPU is not modelled, so the check shows the deadlock only at that point, not wherever else the interrupt could fire.`,
  },
  importGap: {
    code: "RACE176",
    severity: "warning",
    text: (what: string) => `The report lacks ${what}.`,
  },
  importWritten: {
    code: "RACE177",
    severity: "information",
    text: (index: number, header: string, task: string, first: number, last: number, dest: string) =>
      `Report ${index} (${header}, ${task}, input lines ${first}–${last}) → ${dest}; check it with 'race check'.`,
  },
  importUsage: {
    code: "RACE178",
    severity: "error",
    text: importUsage,
  },
  importCannotRead: {
    code: "RACE179",
    severity: "error",
    text: (what: string, why: string) => `Cannot read ${what}: ${why}.`,
  },
} as const satisfies Record<string, { code: string; severity: Severity; text: (...args: never[]) => string }>;

export type MessageId = keyof typeof catalogue;

type Args<K extends MessageId> = Parameters<(typeof catalogue)[K]["text"]>;

export function diagnostic<K extends MessageId>(
  id: K,
  at: Span,
  ...args: Args<K>
): Diagnostic {
  const entry = catalogue[id];
  const text = (entry.text as (...a: Args<K>) => string)(...args);
  return { code: entry.code, severity: entry.severity, message: text, span: at };
}

export function withRelated(d: Diagnostic, related: readonly Related[]): Diagnostic {
  return related.length === 0 ? d : { ...d, related };
}

export function withSeverity(d: Diagnostic, severity: Severity): Diagnostic {
  return { ...d, severity };
}
