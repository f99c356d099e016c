// Connection wiring only: everything else is in lsp/server.ts.

import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { startServer } from "./lsp/server";

startServer(createConnection(ProposedFeatures.all));
