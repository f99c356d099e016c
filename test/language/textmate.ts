// A small TextMate tokenizer over JavaScript regular expressions, enough to
// test what syntaxes/race.tmLanguage.json colours: line by line, at each
// position the earliest match among the rules in scope wins (the first rule
// listed on a tie), `include`s resolved in the repository, `begin`/`end`
// rules kept across lines. It is not vscode-textmate (Oniguruma): the
// grammar's regexes use only what both engines read alike (classes,
// lookahead, fixed-length lookbehind, `^`/`$` per line).

interface Rule {
  readonly include?: string;
  readonly match?: string;
  readonly begin?: string;
  readonly end?: string;
  readonly name?: string;
  readonly captures?: Readonly<Record<string, { readonly name: string }>>;
  readonly beginCaptures?: Readonly<Record<string, { readonly name: string }>>;
  readonly patterns?: readonly Rule[];
}

export interface Grammar {
  readonly patterns: readonly Rule[];
  readonly repository: Readonly<Record<string, Rule>>;
}

/** A piece of a line and the scopes it gets (outermost first), without the grammar's root scope. */
export interface Token {
  readonly text: string;
  readonly scopes: readonly string[];
}

function flatten(g: Grammar, rules: readonly Rule[], seen: Set<string> = new Set()): Rule[] {
  const out: Rule[] = [];
  for (const r of rules) {
    if (r.include) {
      const key = r.include.replace(/^#/, "");
      if (seen.has(key)) continue;
      const target = g.repository[key];
      if (!target) throw new Error(`unknown include ${r.include}`);
      out.push(...(target.match || target.begin ? [target] : flatten(g, target.patterns ?? [], new Set([...seen, key]))));
    } else if (r.match || r.begin) out.push(r);
    else if (r.patterns) out.push(...flatten(g, r.patterns, seen));
  }
  return out;
}

const compiled = new Map<string, RegExp>();
function re(source: string): RegExp {
  let r = compiled.get(source);
  if (!r) compiled.set(source, (r = new RegExp(source, "dg")));
  return r;
}

function search(source: string, line: string, from: number): RegExpExecArray | null {
  const r = re(source);
  r.lastIndex = from;
  return r.exec(line);
}

/** Tokens of each line of `text`. */
export function tokenize(g: Grammar, text: string): Token[][] {
  const top = flatten(g, g.patterns);
  const stack: Rule[] = [];
  const out: Token[][] = [];
  for (const line of text.split("\n")) {
    const tokens: Token[] = [];
    const scopes = (): string[] => stack.flatMap((r) => (r.name ? [r.name] : []));
    const plain = (from: number, to: number): void => {
      if (to > from) tokens.push({ text: line.slice(from, to), scopes: scopes() });
    };
    /** The text of a match, split by its captures' scopes (nested captures not needed here). */
    const emit = (m: RegExpExecArray, captures: Rule["captures"], name: string | undefined): void => {
      const base = [...scopes(), ...(name ? [name] : [])];
      let at = m.index;
      const parts = Object.entries(captures ?? {})
        .map(([k, v]) => ({ span: m.indices![Number(k)], name: v.name }))
        .filter((p): p is { span: [number, number]; name: string } => p.span !== undefined)
        .sort((a, b) => a.span[0] - b.span[0]);
      for (const p of parts) {
        if (p.span[0] > at) tokens.push({ text: line.slice(at, p.span[0]), scopes: base });
        if (p.span[1] > p.span[0]) tokens.push({ text: line.slice(p.span[0], p.span[1]), scopes: [...base, p.name] });
        at = Math.max(at, p.span[1]);
      }
      if (m.index + m[0].length > at) tokens.push({ text: line.slice(at, m.index + m[0].length), scopes: base });
    };
    let pos = 0;
    while (pos <= line.length) {
      const inside = stack[stack.length - 1];
      const rules = inside ? flatten(g, inside.patterns ?? []) : top;
      let best: { m: RegExpExecArray; rule: Rule | "end" } | undefined;
      if (inside) {
        const m = search(inside.end!, line, pos);
        if (m) best = { m, rule: "end" };
      }
      for (const rule of rules) {
        const m = search((rule.match ?? rule.begin)!, line, pos);
        if (m && (!best || m.index < best.m.index)) best = { m, rule };
      }
      if (!best) {
        plain(pos, line.length);
        break;
      }
      const { m, rule } = best;
      plain(pos, m.index);
      if (rule === "end") {
        emit(m, undefined, undefined);
        stack.pop();
      } else if (rule.match) emit(m, rule.captures, rule.name);
      else {
        stack.push(rule);
        emit(m, rule.beginCaptures, undefined);
      }
      const next = m.index + m[0].length;
      if (next === pos && m[0].length === 0) {
        // An empty match (`$`): nothing more on this line for this rule.
        if (rule === "end" || pos >= line.length) break;
        plain(pos, pos + 1);
        pos++;
      } else pos = next;
      if (pos >= line.length) break;
    }
    out.push(tokens);
  }
  return out;
}

/** The scopes of the token at the start of the `nth` whole-word occurrence of `word` in `line`. */
export function scopesOf(tokens: readonly Token[], line: string, word: string, nth = 0): readonly string[] {
  const escaped = word.replace(/[()[\]!]/g, "\\$&");
  const before = /^\w/.test(word) ? "(?<![A-Za-z0-9_])" : "";
  const after = /\w$/.test(word) ? "(?![A-Za-z0-9_])" : "";
  const wordRe = new RegExp(`${before}${escaped}${after}`, "g");
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    const m = wordRe.exec(line);
    if (!m) throw new Error(`'${word}' not in '${line}'`);
    at = m.index;
  }
  let pos = 0;
  for (const t of tokens) {
    if (pos <= at && at < pos + t.text.length) return t.scopes;
    pos += t.text.length;
  }
  return [];
}
