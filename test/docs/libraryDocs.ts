// The kernel library's documentation pages (docs/library/*.md), made from
// the library's files themselves: the file's opening comment, its
// declarations with their comments, each function with the comment that
// cites the kernel code it abstracts, and its source.

import type * as A from "../../server/src/language/ast";
import { parse } from "../../server/src/language/parse";
import { commentAbove, commentAfter, headerComment, paragraphs } from "../../server/src/services/docComment";

function declarationLine(text: string, item: A.Item): string {
  const end = text.indexOf("\n", item.span.start);
  return text.slice(item.span.start, end < 0 ? undefined : end).replace(/\s*\/\/.*$/, "").trim();
}

export function libraryPage(name: string, text: string): string {
  const ast = parse(text).ast;
  const out: string[] = [`# ${name}`, ""];
  out.push(`\`import "${name}"\` — source: [library/${name}.race](../../library/${name}.race)`, "");
  const imports = ast.items.filter((i): i is A.ImportDecl => i.kind === "ImportDecl").map((i) => i.path);
  if (imports.length > 0) out.push(`Imports ${imports.map((i) => `[${i}](${i.replace(/^linux\//, "")}.md)`).join(", ")}.`, "");
  out.push(paragraphs(headerComment(text)), "");
  const declarations = ast.items.filter((i) => i.kind !== "FnDecl" && i.kind !== "ImportDecl");
  if (declarations.length > 0) {
    out.push("## Declarations", "", "| declaration | what it is |", "|---|---|");
    for (const d of declarations) {
      const about = [...commentAbove(text, d.span.start), commentAfter(text, d.span.start) ?? ""].join(" ").trim();
      out.push(`| \`${declarationLine(text, d)}\` | ${about.replace(/\|/g, "\\|")} |`);
    }
    out.push("");
  }
  const functions = ast.items.filter((i): i is A.FnDecl => i.kind === "FnDecl");
  if (functions.length > 0) {
    out.push("## Functions", "");
    for (const f of functions) {
      out.push(`### \`${f.name.name}(${f.params.map((p) => p.name).join(", ")})\``, "");
      const about = paragraphs(commentAbove(text, f.span.start));
      if (about !== "") out.push(about, "");
      out.push("```race", text.slice(f.span.start, f.span.end), "```", "");
    }
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
