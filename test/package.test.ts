// The published package's shape, against the dist/ the global setup built (scripts/build.mjs):
// the ESM runtime loads from a browser (relative .js imports only, no bare ones, so an import
// map or a CDN URL serves it), "adjoint" and "adjoint/internal" share one Tensor in ESM as in
// CommonJS, the exports map resolves for import and require (code and types), every source map
// carries its sources, and the manifest npm publishes (after prepack) has no development
// scripts or dependencies. Node runs in child processes, so that its own resolver is tested,
// not vitest's.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const ESM = path.join(DIST, "esm");
const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f));
}

/** Runs a Node script (ESM when `module`) from the repository root; returns its stdout. */
function node(script: string, module: boolean): string {
  const args = module ? ["--input-type=module", "-e", script] : ["-e", script];
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
}

describe("the ESM runtime", () => {
  it("is marked as ES modules without side effects", () => {
    expect(JSON.parse(readFileSync(path.join(ESM, "package.json"), "utf8"))).toEqual({
      type: "module",
      sideEffects: false,
    });
    expect(manifest.sideEffects).toBe(false);
  });

  // preProcessFile lists require() calls too: a Node module reached other than through
  // process.getBuiltinModule (runtime/ops/wasm/threads.ts) would be a bare specifier here.
  it("imports only relative .js files that exist: no bare specifier, no extensionless path", () => {
    const files = [...filesUnder(ESM, ".js"), ...filesUnder(ESM, ".d.ts")];
    expect(files.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const file of files) {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
      for (const { fileName: spec } of importedFiles) {
        const target = path.resolve(path.dirname(file), spec);
        const resolved = file.endsWith(".d.ts") ? target.replace(/\.js$/, ".d.ts") : target;
        if (!/^\.\.?\//.test(spec) || !spec.endsWith(".js") || !existsSync(resolved)) {
          wrong.push(`${path.relative(ESM, file)}: ${spec}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('"adjoint" and "adjoint/internal" share one Tensor class and one module state', () => {
    const out = node(
      `const a = await import("adjoint");
const internal = await import("adjoint/internal");
const direct = await import(${JSON.stringify(path.join(ESM, "tensor.js"))});
const t = internal.add(a.tensor([1, 2]), 1);
const previous = internal.configureMatmul({ kernel: "js" });
const product = a.matmul(a.tensor([[1, 2]]), a.tensor([[3], [4]])).item();
console.log(JSON.stringify({
  urls: [import.meta.resolve("adjoint"), import.meta.resolve("adjoint/internal")],
  instance: t instanceof a.Tensor,
  sameClass: direct.Tensor === a.Tensor,
  kernel: internal.configureMatmul(previous).kernel,
  product,
  exports: Object.keys(a).length,
}));`,
      true,
    );
    const result = JSON.parse(out);
    expect(result.urls.map((u: string) => path.relative(ROOT, new URL(u).pathname))).toEqual([
      "dist/esm/index.js",
      "dist/esm/internal/index.js",
    ]);
    expect(result).toMatchObject({ instance: true, sameClass: true, kernel: "js", product: 11 });
    expect(result.exports).toBeGreaterThan(50);
  });
});

describe("the exports map", () => {
  it("sends require to dist/runtime and import to dist/esm, for both entries", () => {
    const required = JSON.parse(
      node(
        `const a = require("adjoint"); const internal = require("adjoint/internal");
console.log(JSON.stringify({
  paths: [require.resolve("adjoint"), require.resolve("adjoint/internal"), require.resolve("adjoint/transform")],
  instance: internal.mul(a.tensor([2]), 3) instanceof a.Tensor,
}));`,
        false,
      ),
    );
    expect(required.paths.map((p: string) => path.relative(ROOT, p))).toEqual([
      "dist/runtime/index.js",
      "dist/runtime/internal/index.js",
      "dist/transformer/index.js",
    ]);
    expect(required.instance).toBe(true);
  });

  it("gives TypeScript the declarations of each format", () => {
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.Node20,
      moduleResolution: ts.ModuleResolutionKind.Node16,
    };
    const resolve = (mode: ts.ResolutionMode, spec: string) =>
      path.relative(
        ROOT,
        ts.resolveModuleName(spec, path.join(ROOT, "test/x.ts"), options, ts.sys, undefined, undefined, mode)
          .resolvedModule?.resolvedFileName ?? "",
      );
    // An import from an ES module, and one from CommonJS (an import compiled to require).
    expect(["adjoint", "adjoint/internal"].map((s) => resolve(ts.ModuleKind.ESNext, s))).toEqual([
      "dist/esm/index.d.ts",
      "dist/esm/internal/index.d.ts",
    ]);
    expect(["adjoint", "adjoint/internal"].map((s) => resolve(ts.ModuleKind.CommonJS, s))).toEqual([
      "dist/runtime/index.d.ts",
      "dist/runtime/internal/index.d.ts",
    ]);
  });

  it("points only at files the build wrote and the package ships", () => {
    const targets: string[] = [];
    const walk = (value: unknown): void => {
      if (typeof value === "string") targets.push(value);
      else if (value && typeof value === "object") Object.values(value).forEach(walk);
    };
    walk(manifest.exports);
    for (const field of ["main", "module", "types", "unpkg", "jsdelivr"]) walk(manifest[field]);
    const shipped = (file: string) =>
      file === "./package.json" || manifest.files.some((f: string) => file.startsWith(`./${f}/`));
    expect(targets.filter((t) => !existsSync(path.join(ROOT, t)) || !shipped(t))).toEqual([]);
  });
});

describe("the published files", () => {
  it("every source map carries the sources it names (the package does not ship them)", () => {
    const maps = filesUnder(DIST, ".js.map");
    expect(maps.length).toBeGreaterThan(100);
    const missing = maps.filter((file) => {
      const map = JSON.parse(readFileSync(file, "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
      return map.sources.some((_, i) => typeof map.sourcesContent?.[i] !== "string");
    });
    expect(missing.map((f) => path.relative(DIST, f))).toEqual([]);
  });

  it("the tarball holds both builds and nothing of the sources", () => {
    // --ignore-scripts: the file list only, without the prepare (build) and prepack steps.
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" }),
    ) as { files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    for (const file of [
      "dist/esm/package.json",
      "dist/esm/index.js",
      "dist/esm/internal/index.js",
      "dist/esm/index.d.ts",
      "dist/runtime/index.js",
      "dist/runtime/internal/index.d.ts",
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("the manifest npm publishes has no development scripts, devDependencies or self-dependency", () => {
    // What prepack (scripts/pack-manifest.mjs clean) writes, printed instead (clean-pkg-json --dry).
    const published = JSON.parse(
      execFileSync(process.execPath, [path.join(ROOT, "scripts/pack-manifest.mjs"), "--dry"], {
        cwd: ROOT,
        encoding: "utf8",
      }),
    );
    expect(published.scripts).toBeUndefined();
    expect(published.devDependencies).toBeUndefined();
    expect(JSON.stringify(published)).not.toContain('"file:');
    expect(published.dependencies).toEqual(manifest.dependencies);
    expect(published.dependencies.typescript).toBeDefined();
    expect(published.exports).toEqual(manifest.exports);
    expect(published.sideEffects).toBe(false);
    expect(published.files).toEqual(manifest.files);
    // The development manifest keeps them, and puts itself back after packing.
    expect(manifest.scripts.prepack).toBe("node scripts/pack-manifest.mjs clean");
    expect(manifest.scripts.postpack).toBe("node scripts/pack-manifest.mjs restore");
  });
});
