// The formatter's properties: idempotent whatever the line endings, only
// white space changes, the dominant line ending is kept, and its work grows
// linearly with the input (counted, not timed).

import fc from "fast-check";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { raceLexer } from "../../server/src/language/tokens";
import { dominantLineEnding, format, formatCounted, MAX_INDENT_DEPTH } from "../../server/src/services/format";
import { listRace, read, samplesDir } from "../helpers";

const samples = listRace(samplesDir).map((f) => read(join(samplesDir, f)));
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Every token and comment in order. What the formatter may change inside a
 * comment: white space at the end of a line, and the kind of line break.
 */
function tokenImages(text: string): string[] {
  const r = raceLexer.tokenize(text);
  const comments = (r.groups["comments"] ?? []).map((c) => ({
    startOffset: c.startOffset,
    image: c.image
      .split(LINE_BREAK)
      .map((l) => l.trimEnd())
      .join("\n")
      .trimEnd(),
  }));
  return [...r.tokens, ...comments].sort((a, b) => a.startOffset - b.startOffset).map((t) => t.image);
}

const ending = fc.constantFrom("\n", "\r\n", "\r");

/** A sample with each line break replaced by a random one, and some white space runs mangled. */
const sampleWithEndings = fc
  .tuple(fc.integer({ min: 0, max: samples.length - 1 }), fc.infiniteStream(ending), fc.array(fc.tuple(fc.nat(), fc.constantFrom("", "  ", "\n", "\r\n", "\r", "\n\r\n\r", "\t", " \u00a0")), { maxLength: 20 }))
  .map(([i, endings, cuts]) => {
    const it = endings[Symbol.iterator]();
    let s = samples[i]!.split(LINE_BREAK)
      .map((l) => l + (it.next().value as string))
      .join("");
    for (const [at, ws] of cuts) {
      const p = at % (s.length + 1);
      if (/\s/.test(s[p] ?? "x")) s = s.slice(0, p) + ws + s.slice(p + 1);
    }
    return s;
  });

/** Token soup with every kind of line break, comments and strings that span or stop at them. */
const soup = fc
  .array(fc.constantFrom("{", "}", "} ", " {", "lock m", "if x", "else", "/*", "*/", "//", '"', "\\", "a", " ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2028", "\ufeff", "@"), { maxLength: 120 })
  .map((parts) => parts.join(""));

function endingsOf(text: string): Set<string> {
  return new Set(text.match(/\r\n|\r|\n/g) ?? []);
}

describe("formatter", () => {
  it("leaves every sample as it is", () => {
    for (const s of samples) expect(format(s)).toBe(s);
  });

  it("is idempotent and keeps every token, over random mixes of LF, CRLF and CR", () => {
    fc.assert(
      fc.property(fc.oneof(sampleWithEndings, soup), (text) => {
        const once = format(text);
        expect(format(once)).toBe(once);
        expect(tokenImages(once)).toEqual(tokenImages(text));
      }),
      { numRuns: 1500, seed: 11 },
    );
  });

  it("writes every line break as the file's dominant one", () => {
    fc.assert(
      fc.property(fc.oneof(sampleWithEndings, soup), (text) => {
        const once = format(text);
        if (once !== "") expect([...endingsOf(once)]).toEqual([dominantLineEnding(text)]);
      }),
      { numRuns: 500, seed: 12 },
    );
    expect(format("mutex m\r\ncpu C {\r\nlock m\r\n}\r\n")).toBe("mutex m\r\ncpu C {\r\n  lock m\r\n}\r\n");
    expect(format("mutex m\r\ncpu C {\nlock m\r\n}\r\n")).toBe("mutex m\r\ncpu C {\r\n  lock m\r\n}\r\n");
    expect(format("mutex m\rcpu C {\rlock m\r}")).toBe("mutex m\rcpu C {\r  lock m\r}\r");
    expect(dominantLineEnding("a\r\nb\nc")).toBe("\n"); // a tie goes to LF
    expect(dominantLineEnding("a")).toBe("\n");
  });

  it("takes a lone CR as the line break the lexer and the editor see", () => {
    // The comment ends at the CR, so `lock m` is code on a line of its own.
    expect(format("cpu C {\r// c\rlock m\r}\r")).toBe("cpu C {\r  // c\r  lock m\r}\r");
  });

  it("indents by braces, not by braces in strings or comments", () => {
    expect(format('cpu C "a { label" {\n// {\nlock m\n}\nmutex m\n')).toBe('cpu C "a { label" {\n  // {\n  lock m\n}\nmutex m\n');
  });

  it("keeps the lines of a block comment as they are, whatever breaks them", () => {
    expect(format("cpu C {\r\n/* a\r   b {  \r\n*/ lock m\n}\r\n")).toBe("cpu C {\r\n  /* a\r\n   b {\r\n*/ lock m\r\n}\r\n");
  });

  it("dedents every closing brace that opens a line", () => {
    expect(format("cpu C {\nif x {\nif y {\nlock m\n} }\n}\n")).toBe("cpu C {\n  if x {\n    if y {\n      lock m\n  } }\n}\n");
  });

  it("stops indenting deeper than MAX_INDENT_DEPTH levels", () => {
    const deep = format("{\n".repeat(MAX_INDENT_DEPTH + 10) + "x\n");
    expect(deep.split("\n").at(-2)).toBe("  ".repeat(MAX_INDENT_DEPTH) + "x");
  });
});

describe("formatter work is linear in the input", () => {
  // The formatter counts its steps (characters scanned and written, tokens
  // and comments passed, in every loop it has). A quadratic one shows as a
  // ratio near 4 between an input and the same shape twice as long; linear
  // is near 2. Each shape is one that made an earlier version quadratic (a
  // scan over the braces per line, a search of the comments per line,
  // indentation without a cap). Counting instead of timing keeps the test
  // deterministic on a busy machine.
  const shapes: Record<string, (n: number) => string> = {
    "closing braces on one line": (n) => "}".repeat(n),
    "closing braces apart": (n) => "} ".repeat(n),
    "one opening brace per line": (n) => "{\n".repeat(n),
    "one closing brace per line": (n) => "{".repeat(n) + "\n}".repeat(n),
    "multi-line comments": (n) => "/* a\n b */ x\n".repeat(n),
    "blank lines with CR": (n) => "\r \r\n".repeat(n),
    "nested blocks": (n) => "cpu C {\n" + "if x {\n".repeat(n) + "lock m\n" + "}\n".repeat(n) + "}\n",
  };
  for (const [name, shape] of Object.entries(shapes)) {
    it(name, () => {
      const small = shape(10_000);
      const large = shape(20_000);
      const a = formatCounted(small);
      const b = formatCounted(large);
      // At least the text itself is read, and at most a bounded amount of
      // work per character (a line's indentation is capped).
      expect(a.work).toBeGreaterThanOrEqual(small.length);
      expect(b.work).toBeLessThanOrEqual((4 + 2 * MAX_INDENT_DEPTH) * (large.length + 1));
      expect(b.work / a.work).toBeLessThan(2.2);
      // The output, which does not depend on the counting, is bounded too.
      expect(b.text.length).toBeLessThanOrEqual((1 + 2 * MAX_INDENT_DEPTH) * (large.length + 1));
      expect(format(b.text)).toBe(b.text);
    });
  }
});
