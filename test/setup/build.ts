// Builds dist/ once before the suite: in-memory compiles type-check user programs against
// dist/runtime/index.d.ts (what users get, with no function bodies to differentiate
// into), and the tspc tests load dist/transformer as ts-patch does.
import { execFileSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
