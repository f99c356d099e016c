// Text that comes from a scenario or a command line (titles, labels, assert
// messages, file names, option names), made safe to show: every control
// character is written as an escape. C0 and C1 controls can clear a
// terminal, move its cursor or rewrite a line already printed (a title
// rewriting the verdict line); DEL and the Unicode line and paragraph
// separators are invisible breaks; the bidi marks, embeddings, overrides and
// isolates reorder what follows them on screen ("Trojan Source",
// CVE-2021-42574). Backslashes are left alone, so paths stay readable.

const BEYOND_C0 = "\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";
const UNSAFE = new RegExp(`[\\u0000-\\u001f${BEYOND_C0}]`, "g");
// JSON.stringify writes C0 controls in strings as escapes already; its raw
// line breaks are the layout.
const UNSAFE_IN_JSON = new RegExp(`[${BEYOND_C0}]`, "g");

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `s` with each unsafe character written as `\n`, `\r`, `\t`, `\xHH` or `\uHHHH`. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
  });
}

/**
 * JSON whose text has no unsafe character either: JSON.stringify escapes C0
 * controls but writes DEL, C1, the separators and bidi controls as they
 * are. The same value, written with `\uHHHH` escapes.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
