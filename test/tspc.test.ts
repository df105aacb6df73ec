// Builds real projects with tspc and the published plugin entry (dist/), the way users
// do: a program whose gradients match finite differences, a build that fails with a
// diagnostic at file:line:col, a plain-tsc build that explains the missing plugin, and a
// fresh project that installs the packed tarball.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const TSPC = path.join(ROOT, "node_modules/ts-patch/bin/tspc.js");
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const temporary: string[] = [];

afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "node20",
    moduleResolution: "node16",
    strict: true,
    types: [],
    outDir: "dist",
    rootDir: ".",
    plugins: [{ transform: "adjoint/transform" }],
  },
  include: ["*.ts"],
};

// Programs print with this instead of console so they need no @types/node.
const PRINT = `declare const console: { log(...values: unknown[]): void };\n`;

const PROGRAM = `${PRINT}import { grad, stopGradient } from "adjoint";
function f(x: number, y: number) {
  const z = Math.sin(x) * y;
  if (z > 0) return z * z + stopGradient(x);
  return Math.exp(z) - x * y;
}
const df = grad(f, { wrt: [0, 1] });
console.log(JSON.stringify([df(0.7, 1.3), df(-0.4, 2.2)]));
`;

/** The program's f without its stopGradient(x) term, which contributes no gradient. */
function f(x: number, y: number): number {
  const z = Math.sin(x) * y;
  if (z > 0) return z * z;
  return Math.exp(z) - x * y;
}

function project(files: Record<string, string>, parent = path.join(ROOT, ".tmp")): string {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, "project-"));
  temporary.push(dir);
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [command, ...args], { cwd, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function expectGradients(output: string): void {
  const [[dx1, dy1], [dx2, dy2]] = JSON.parse(output) as number[][];
  const h = 1e-6;
  const fd = (x: number, y: number, i: number) =>
    i === 0 ? (f(x + h, y) - f(x - h, y)) / (2 * h) : (f(x, y + h) - f(x, y - h)) / (2 * h);
  for (const [actual, expected] of [
    [dx1, fd(0.7, 1.3, 0)],
    [dy1, fd(0.7, 1.3, 1)],
    [dx2, fd(-0.4, 2.2, 0)],
    [dy2, fd(-0.4, 2.2, 1)],
  ]) {
    expect(Math.abs(actual! - expected!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected!)));
  }
}

/** Builds PROGRAM in `dir` with the given tspc, runs it, and checks its gradients. */
function buildRunAndCheck(dir: string, tspc: string): void {
  const build = run(tspc, ["-p", "."], dir);
  expect(build.output).toBe("");
  expect(build.status).toBe(0);
  const result = run(path.join(dir, "dist/main.js"), [], dir);
  expect(result.status).toBe(0);
  expectGradients(result.output);
}

describe("building with tspc", () => {
  it("builds a program whose gradients match finite differences", () => {
    buildRunAndCheck(project({ "main.ts": PROGRAM }), TSPC);
  });

  it("works for ES module output too", () => {
    buildRunAndCheck(project({ "main.ts": PROGRAM, "package.json": JSON.stringify({ type: "module" }) }), TSPC);
  });

  it("differentiates across modules in an ES module build", () => {
    const dir = project({
      "package.json": JSON.stringify({ type: "module" }),
      "physics.ts": `export function drag(v: number, k: number) { return k * v * Math.abs(v); }\n`,
      "main.ts": `${PRINT}import { grad } from "adjoint";\nimport { drag } from "./physics.js";\nconst energy = (v: number) => 0.5 * v * v - drag(v, 0.1);\nconsole.log(JSON.stringify([grad(energy)(2), grad(drag, { wrt: 1 })(2, 0.1)]));\n`,
    });
    const build = run(TSPC, ["-p", "."], dir);
    expect(build.output).toBe("");
    const result = run(path.join(dir, "dist/main.js"), [], dir);
    expect(result.status).toBe(0);
    const [dEnergy, dDrag] = JSON.parse(result.output) as number[];
    expect(dEnergy).toBeCloseTo(2 - 0.1 * 2 * 2, 12);
    expect(dDrag).toBeCloseTo(4, 12);
  });

  it("builds a tensor program with broadcasting, shape reads and checkGrad (issue #10)", () => {
    const dir = project({
      "main.ts": `${PRINT}import { grad, checkGrad, tensor, add, sub, mul, div, sum, mean, square, onesLike, type Tensor } from "adjoint";
const x = tensor([[1, 2], [3, 4], [5, 6]]);
const db = grad((b: Tensor) => add(x, b))(tensor([0, 0]));
const da = grad((a: Tensor) => sub(a, mean(a)))(x);
const dn = grad((a: Tensor) => div(sum(square(a)), a.size))(x);
const worst = checkGrad((b: Tensor) => sum(mul(add(x, b), onesLike(x))), [tensor([0.5, -1])]);
console.log(JSON.stringify({ db: Array.from(db.data), da: Array.from(da.data), dn: Array.from(dn.data), worst }));
`,
    });
    const build = run(TSPC, ["-p", "."], dir);
    expect(build.output).toBe("");
    expect(build.status).toBe(0);
    const result = run(path.join(dir, "dist/main.js"), [], dir);
    expect(result.status).toBe(0);
    const { db, da, dn, worst } = JSON.parse(result.output) as {
      db: number[];
      da: number[];
      dn: number[];
      worst: number;
    };
    expect(db).toEqual([3, 3]);
    da.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
    dn.forEach((v, i) => expect(v).toBeCloseTo(((i + 1) * 2) / 6, 12));
    expect(worst).toBeLessThan(1e-6);
  });

  it("fails the build with the diagnostic at file:line:col", () => {
    const dir = project({
      "main.ts": `import { grad } from "adjoint";
function f(x: number) {
  let y = 0;
  for (const c in { a: 1, b: 2 }) y = y + c.length * x;
  return y;
}
export const df = grad(f);
`,
    });
    const build = run(TSPC, ["-p", ".", "--pretty", "false"], dir);
    expect(build.status).not.toBe(0);
    expect(build.output).toMatch(/main\.ts\(4,3\): error TS990202: ADJ202: This loop is not supported/);
  });

  it("without the plugin (plain tsc), grad throws and says how to configure it", () => {
    const dir = project({
      "main.ts": `import { grad } from "adjoint";\nexport const df = grad((x: number) => x * x);\n`,
    });
    expect(run(TSC, ["-p", "."], dir).status).toBe(0);
    const result = run(path.join(dir, "dist/main.js"), [], dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("the adjoint transformer did not run on this file");
    expect(result.output).toContain('"plugins": [{ "transform": "adjoint/transform" }]');
  });
});

describe("the packed tarball", () => {
  it("installs into a fresh project that builds with tspc", () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), "adjoint-pack-"));
    temporary.push(scratch);
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], {
        cwd: ROOT,
        encoding: "utf8",
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain("dist/transformer/index.js");
    expect(files).toContain("dist/runtime/index.d.ts");
    expect(files).toContain("dist/runtime/internal/index.js"); // "adjoint/internal", which generated code imports
    expect(files.some((f) => f.startsWith("test/") || f.startsWith("transformer/"))).toBe(false);

    // Installing a tarball with no dependencies is unpacking it into node_modules; the
    // toolchain (peer dependencies) comes from this checkout, so no network is needed.
    const dir = project({ "main.ts": PROGRAM }, scratch);
    const modules = path.join(dir, "node_modules");
    mkdirSync(path.join(modules, "adjoint"), { recursive: true });
    execFileSync("tar", [
      "-xzf",
      path.join(scratch, packed[0]!.filename),
      "-C",
      path.join(modules, "adjoint"),
      "--strip-components=1",
    ]);
    symlinkSync(path.join(ROOT, "node_modules/typescript"), path.join(modules, "typescript"));
    symlinkSync(path.join(ROOT, "node_modules/ts-patch"), path.join(modules, "ts-patch"));

    buildRunAndCheck(dir, path.join(modules, "ts-patch/bin/tspc.js"));
  });
});
