// `npm pack` / `npm publish` lifecycle (prepack, postpack): the published package.json carries only
// what a consumer's install reads. clean-pkg-json drops the development scripts (prepare would
// try to build in the consumer's tree; test, bench, ...), devDependencies (with the
// `"adjoint": "file:"` self-dependency the tests import "adjoint" through) and any field outside
// its allow-list; it rewrites package.json in place, so `clean` keeps the original beside it and
// `restore` puts it back after the tarball is written.
//
//   node scripts/pack-manifest.mjs clean      (prepack)
//   node scripts/pack-manifest.mjs restore    (postpack)
//   node scripts/pack-manifest.mjs --dry      prints the manifest `clean` would publish
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.join(import.meta.dirname, "..");
const manifest = path.join(root, "package.json");
const backup = path.join(root, "package.json.prepack");
const require = createRequire(import.meta.url);
const cleanPkgJson = path.join(path.dirname(require.resolve("clean-pkg-json/package.json")), "dist/index.mjs");

function clean(extra = []) {
  execFileSync(process.execPath, [cleanPkgJson, ...extra], { cwd: root, stdio: "inherit" });
}

const mode = process.argv[2];
if (mode === "--dry") {
  clean(["--dry"]);
} else if (mode === "clean") {
  // npm pack --dry-run: clean-pkg-json writes nothing then (npm_config_dry_run), so nothing to keep.
  if (process.env.npm_config_dry_run === "true") process.exit(0);
  // A backup left by a pack that failed before postpack is the original: never overwrite it with a
  // manifest that may already be the cleaned one.
  if (existsSync(backup)) {
    throw new Error(
      `${path.relative(process.cwd(), backup)} exists (an earlier pack did not finish): restore it first`,
    );
  }
  copyFileSync(manifest, backup);
  clean();
} else if (mode === "restore") {
  if (existsSync(backup)) renameSync(backup, manifest);
} else {
  throw new Error("usage: node scripts/pack-manifest.mjs clean | restore | --dry");
}
