// The kernel library (library/linux/*.race, race-language.md §11) opens
// read-only: its files are shown through a `race-library:` URI whose
// content the extension provides (VS Code never offers to save such a
// document), while the language server, which knows only file: URIs,
// sees the library's real paths. The two conversions are the language
// client's URI converters, and the trace and lock-graph views use the same
// one for the URIs in their payloads.

import * as path from "node:path";
import { readFileSync } from "node:fs";
import * as vscode from "vscode";

export const LIBRARY_SCHEME = "race-library";

export class Library {
  constructor(readonly dir: string) {}

  /** A URI from the server (a file of the library, or anything else) as the editor opens it. */
  toCode(uri: string): vscode.Uri {
    const u = vscode.Uri.parse(uri);
    if (u.scheme !== "file") return u;
    const rel = path.relative(this.dir, u.fsPath);
    if (rel.startsWith("..") || path.isAbsolute(rel)) return u;
    return vscode.Uri.from({ scheme: LIBRARY_SCHEME, path: "/" + rel.split(path.sep).join("/") });
  }

  /** A URI of the editor's as the server knows it: a library file by its path. */
  toProtocol(uri: vscode.Uri): string {
    if (uri.scheme !== LIBRARY_SCHEME) return uri.toString();
    return vscode.Uri.file(path.join(this.dir, ...uri.path.split("/").filter((x) => x !== "" && x !== ".."))).toString();
  }

  register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(
      vscode.workspace.registerTextDocumentContentProvider(LIBRARY_SCHEME, {
        provideTextDocumentContent: (uri) => {
          try {
            return readFileSync(vscode.Uri.parse(this.toProtocol(uri)).fsPath, "utf8");
          } catch {
            return `// ${uri.path}: not a file of the kernel library`;
          }
        },
      }),
    );
  }
}
