import { defineConfig } from "vitest/config";

// Real editors: headless Neovim and VS Code (code-server + Chromium).
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
