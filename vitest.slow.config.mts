// The slow suite (`npm run test:slow`, which .ci/run also runs): fresh projects that install
// the packed tarball, every bundler, the CLI, TypeScript 7 and headless Chromium.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/slow/**/*.test.ts"],
    // Packs the package once (npm pack builds it), for every file to install.
    globalSetup: ["test/slow/pack.ts"],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    // One file at a time: each installs packages and runs bundlers on 2 cores.
    fileParallelism: false,
  },
});
