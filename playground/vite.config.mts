// The playground's own Vite config: the page lives in playground/ and imports the transformer's
// TypeScript sources (../transformer), the TypeScript compiler and the built runtime
// (../dist/esm), so the whole compile-and-run loop happens in the browser with no server.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: playground/dist works from any static file server and any path.
  base: "./",
  define: {
    // No debug output in the page: the transformer reads ADJOINT_DEBUG through
    // globalThis.process?.env (undefined in a browser); this covers a direct read as well.
    "process.env.ADJOINT_DEBUG": "undefined",
  },
  server: { host: "127.0.0.1", fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
  preview: { host: "127.0.0.1" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // TypeScript alone is several megabytes: one chunk of it is expected, not a mistake.
    chunkSizeWarningLimit: 12_000,
  },
});
