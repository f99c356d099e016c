// The kernel library (race-language.md §11): every file checks clean as a
// file of declarations, every function cites the kernel code it abstracts,
// and docs/library/ has a page per file made from it (a stale page fails;
// `npm run test:update` writes it again).

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../server/src/analysis";
import { installedLibrary } from "../../server/src/files";
import { parse } from "../../server/src/language/parse";
import { commentAbove } from "../../server/src/services/docComment";
import { read, root } from "../helpers";
import { libraryPage } from "./libraryDocs";

const library = installedLibrary();
const names = library.names;

describe("the kernel library", () => {
  it("is found beside the sources, as it is beside the bundles", () => {
    expect(library.dir).toBe(join(root, "library"));
    expect(names).toEqual(["linux/driver-core", "linux/net", "linux/pci", "linux/pci-core", "linux/pci-reentrant", "linux/workqueue"]);
  });

  for (const name of names) {
    const path = join(root, "library", `${name}.race`);
    const text = read(path);

    it(`${name} checks clean, as a file of declarations`, () => {
      const a = analyze(text, { source: { path } });
      expect(a.diagnostics).toEqual([]);
      expect(a.verdict).toBe("declarations");
    });

    it(`${name}: every function says which kernel code it abstracts`, () => {
      for (const item of parse(text).ast.items) {
        if (item.kind !== "FnDecl") continue;
        const comment = commentAbove(text, item.span.start).join(" ");
        // A kernel file, a patch of the seed series, or "As in linux/pci" for a copy of one that does.
        expect(comment, `${name}: fn ${item.name.name}`).toMatch(/\((drivers|kernel|include|net)\/[a-z0-9_/-]+\.[ch]|patch [12]\/2|^As in linux\/|\b[0-9a-f]{12}\b/);
      }
    });

    it(`${name} has its page in docs/library/`, async () => {
      await expect(libraryPage(name, text)).toMatchFileSnapshot(join(root, "docs", "library", `${name.replace(/^linux\//, "")}.md`));
    });
  }

  it("has no page for a file it does not have", () => {
    const pages = readdirSync(join(root, "docs", "library")).map((f) => `linux/${f.replace(/\.md$/, "")}`);
    expect(pages.sort()).toEqual([...names]);
  });
});
