// Shared webview plumbing: a nonce, a strict Content-Security-Policy (no
// remote resources; only our own inline style and script run), and colours
// taken from the theme so both light and dark themes read well.

import { randomBytes } from "node:crypto";

export function nonce(): string {
  return randomBytes(16).toString("base64").replace(/[^A-Za-z0-9]/g, "");
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON safe to embed inside a <script> element. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

export function page(n: string, title: string, body: string, style: string, script: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${n}'; script-src 'nonce-${n}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style nonce="${n}">
body { color: var(--vscode-editor-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 12px; }
code, td.step, .mono { font-family: var(--vscode-editor-font-family); }
button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 3px 10px; margin-right: 4px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
button:disabled { opacity: 0.5; cursor: default; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid var(--vscode-panel-border, rgba(128,128,128,0.35)); padding: 2px 10px; text-align: left; vertical-align: top; }
${style}
</style>
</head>
<body>
${body}
<script nonce="${n}">
${script}
</script>
</body>
</html>`;
}
