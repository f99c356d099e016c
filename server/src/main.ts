// Connection wiring only: documents in, diagnostics out.

import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { analyzeFrontEnd } from "./analysis";
import { LineIndex } from "./language/span";
import { toLspDiagnostic } from "./lsp/convert";

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

connection.onInitialize(() => ({
  capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
  serverInfo: { name: "race-scenarios" },
}));

function validate(doc: TextDocument): void {
  const text = doc.getText();
  const fe = analyzeFrontEnd(text);
  const lines = new LineIndex(text);
  void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: fe.diagnostics.map((d) => toLspDiagnostic(d, lines, doc.uri)) });
}

documents.onDidChangeContent((e) => validate(e.document));
documents.onDidClose((e) => void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }));
documents.listen(connection);
connection.listen();
