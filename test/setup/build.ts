// Builds dist/ once before the suite: in-memory compiles type-check user programs against
// dist/runtime/index.d.ts (what users get, with no function bodies to differentiate
// into), and the tspc tests load dist/transformer as ts-patch does.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";

export default function setup(): void {
  // Set by scripts/fuzz.mjs, which builds dist/ once for the vitest processes it runs side by side.
  if (process.env.ADJOINT_DIST_BUILT === "1") return;
  const root = path.resolve(__dirname, "../..");
  // From scratch: a module left in dist/ by an earlier layout (dist/runtime/ops.js beside
  // dist/runtime/ops/) would still be found first and tested instead of the sources.
  rmSync(path.join(root, "dist"), { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
