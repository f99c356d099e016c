// Documents are URIs, the files a scenario imports are paths
// (race-language.md §11): the two conversions, for file: URIs only (an
// untitled buffer has no path, and its relative imports say so).

import { fileURLToPath, pathToFileURL } from "node:url";

export function pathOfUri(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function uriOfPath(path: string): string {
  return pathToFileURL(path).href;
}
