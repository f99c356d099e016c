// Bundles the extension client, the language server, the CLI, the
// benchmarks and the long-running test programs into dist/. `--watch` rebuilds on change.
import * as esbuild from "esbuild";
import { readFileSync } from "node:fs";

const version = JSON.parse(readFileSync("package.json", "utf8")).version;

const watch = process.argv.includes("--watch");
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  logLevel: "warning",
  define: { RACE_VERSION: JSON.stringify(version) },
};

const builds = [
  { entryPoints: ["client/src/extension.ts"], outfile: "dist/extension.js", external: ["vscode"] },
  { entryPoints: ["server/src/main.ts"], outfile: "dist/server.js" },
  { entryPoints: ["server/src/worker.ts"], outfile: "dist/worker.js" },
  { entryPoints: ["server/src/testWorker.ts"], outfile: "dist/testWorker.js" },
  { entryPoints: ["server/src/cli.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" } },
  { entryPoints: ["bench/parse.ts"], outfile: "dist/bench-parse.js" },
  { entryPoints: ["bench/engine.ts"], outfile: "dist/bench-engine.js" },
  { entryPoints: ["bench/latency.ts"], outfile: "dist/bench-latency.js" },
  { entryPoints: ["bench/spin.ts"], outfile: "dist/bench-spin.js" },
  { entryPoints: ["bench/corpus.ts"], outfile: "dist/bench-corpus.js" },
  { entryPoints: ["test/differential/run.ts"], outfile: "dist/differential.js" },
  { entryPoints: ["test/fuzz/run.ts"], outfile: "dist/fuzz.js" },
];

if (watch) {
  for (const b of builds) {
    const ctx = await esbuild.context({ ...common, ...b });
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
}
