// `npm run build` (and the test suite's global setup): dist/ from scratch, with
//   dist/runtime, dist/transformer  CommonJS with declarations (tsconfig.build.json)
//   dist/esm                        the runtime as ES modules with declarations (tsconfig.esm.json)
// From scratch: a module left in dist/ by an earlier layout would still be found and loaded.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.join(import.meta.dirname, "..");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");

rmSync(path.join(root, "dist"), { recursive: true, force: true });
for (const project of ["tsconfig.build.json", "tsconfig.esm.json"]) {
  execFileSync(process.execPath, [tsc, "-p", project], { cwd: root, stdio: "inherit" });
}
// The package is CommonJS ("type" unset): this marks dist/esm's .js files (and .d.ts files) as ES
// modules for Node and TypeScript. A bundler reads "sideEffects" from the nearest package.json,
// which for these files is this one.
writeFileSync(
  path.join(root, "dist/esm/package.json"),
  JSON.stringify({ type: "module", sideEffects: false }, null, 2) + "\n",
);
