// The files open scenarios import, watched by the server itself when the
// client cannot watch files for it (no dynamic registration of
// workspace/didChangeWatchedFiles: Neovim before 0.10, many plain LSP
// clients). race-language.md §11: a scenario is checked again whenever a
// file it imports changes on the disk, whatever the editor. The folders are
// watched, not the files: editors that save by writing a new file and
// renaming it over the old one would leave a watch on the old file, and a
// missing import may appear. Changes are gathered for a moment and then
// reported once per file.

import { watch, type FSWatcher } from "node:fs";
import * as path from "node:path";

/** Folders watched at most: the imports of every open scenario together. */
export const MAX_WATCHED_FOLDERS = 64;

export class ImportWatcher {
  private readonly folders = new Map<string, FSWatcher>();
  private readonly pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly changed: (file: string) => void,
    private readonly settleMs = 50,
  ) {}

  /** Watches the folders of exactly these files (closing the watches no longer needed). */
  track(files: Iterable<string>): void {
    const want = new Set<string>();
    for (const f of files) {
      if (want.size >= MAX_WATCHED_FOLDERS) break;
      want.add(path.dirname(f));
    }
    for (const [dir, w] of this.folders) {
      if (!want.has(dir)) {
        w.close();
        this.folders.delete(dir);
      }
    }
    for (const dir of want) {
      if (this.folders.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (name) this.note(path.join(dir, name.toString()));
        });
        // A folder removed or unreadable: forget it; the next track() tries again.
        w.on("error", () => {
          w.close();
          if (this.folders.get(dir) === w) this.folders.delete(dir);
        });
        this.folders.set(dir, w);
      } catch {
        // A folder that does not exist (yet): nothing to watch.
      }
    }
  }

  /** The folders watched now (tests). */
  watched(): string[] {
    return [...this.folders.keys()].sort();
  }

  close(): void {
    for (const w of this.folders.values()) w.close();
    this.folders.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private note(file: string): void {
    this.pending.add(file);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const files = [...this.pending];
      this.pending.clear();
      for (const f of files) this.changed(f);
    }, this.settleMs);
  }
}
