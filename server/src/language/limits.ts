// The limits every phase can rely on (docs/language.md, "Limits"). Each is
// checked by the front end and answered with a diagnostic on the construct
// that crosses it, so that parsing, checking and compiling never recurse or
// allocate without bound on input that is valid but huge.

/**
 * Nesting levels: each `{`, `(`, `else if` of a chain and unary operator
 * applied to a value opens one. Checked on the tokens before parsing (the
 * parser recurses per level); 100 levels stay far below the stack.
 */
export const MAX_NESTING = 100;

/** Operands and operators in one expression (every walker recurses over its tree). */
export const MAX_EXPRESSION_SIZE = 500;

/** Calls nested inside each other on one CPU (calls are expanded at compile time). */
export const MAX_CALL_DEPTH = 64;

/**
 * Blocks nested inside each other on one CPU, counted through its calls
 * (each call counts one too): compiling recurses through them.
 */
export const MAX_EXPANDED_NESTING = 500;

/** Branches of one `either` (a step's choice is stored in 11 bits). */
export const MAX_EITHER_BRANCHES = 256;

/** Statements one CPU's code may expand to, calls expanded (below the engine's MAX_PC). */
export const MAX_CPU_STATEMENTS = 30_000;

/** Local variables one CPU's code may expand to (one per `var` per call expansion): each is part of every state. */
export const MAX_CPU_LOCALS = 256;

/** Files one scenario may load through its imports, itself excluded (race-language.md §11). */
export const MAX_IMPORTED_FILES = 100;

/** Characters of all imported files together (each is parsed on every keystroke). */
export const MAX_IMPORTED_CHARS = 2_000_000;
