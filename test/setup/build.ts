// Builds dist/ once before the suite, as `npm run build` does (scripts/build.mjs: from scratch,
// CommonJS and the ESM runtime): in-memory compiles type-check user programs against
// dist/runtime/index.d.ts (what users get, with no function bodies to differentiate
// into), the tspc tests load dist/transformer as ts-patch does, and test/package.test.ts checks
// the package's entries.
import { execFileSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  // Set by scripts/fuzz.mjs, which builds dist/ once for the vitest processes it runs side by side.
  if (process.env.ADJOINT_DIST_BUILT === "1") return;
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [path.join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
}
