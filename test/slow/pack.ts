// The slow suite's global setup: packs the package once, as it is published (`npm pack` runs
// the build and the manifest clean-up), for every test file to install into fresh projects.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The packed tarball's path. */
    tarball: string;
  }
}

export default function setup(project: TestProject): () => void {
  const root = path.resolve(__dirname, "../..");
  const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-pack-"));
  const packing = spawnSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
  if (packing.status !== 0) throw new Error(`npm pack failed:\n${packing.stdout}${packing.stderr}`);
  // The build's own output comes first; the JSON report is the last thing npm prints.
  const report = packing.stdout.startsWith("[") ? 0 : packing.stdout.lastIndexOf("\n[\n") + 1;
  project.provide("tarball", path.join(dir, JSON.parse(packing.stdout.slice(report))[0].filename));
  return () => rmSync(dir, { recursive: true, force: true });
}
