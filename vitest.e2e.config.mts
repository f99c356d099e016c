import { defineConfig } from "vitest/config";

// Real tools: headless Neovim and VS Code (code-server + Chromium), and SPIN
// on exported models (spin.test.ts).
// `npm run test:e2e`; .ci/run installs what they need first.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
  },
});
