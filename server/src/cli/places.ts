// How `race check` names the files of a scenario with imports
// (race-language.md §11): the scenario by the name it was given on the
// command line, an imported file by its path relative to the current
// directory, or its absolute path when it is elsewhere (the kernel
// library of an installed package, say): names a terminal or an editor
// can open.

import * as path from "node:path";
import type { FrontEnd } from "../analysis";
import type { Locator } from "../language/sources";

export function cliLocator(fe: FrontEnd, cwd: string = process.cwd()): Locator {
  const sources = fe.program.sources;
  return sources.locator((file) => {
    const abs = sources.files[file]!.path;
    if (abs === undefined) return sources.displayName(file);
    const rel = path.relative(cwd, abs);
    return rel.startsWith("..") || path.isAbsolute(rel) ? abs : rel;
  });
}
