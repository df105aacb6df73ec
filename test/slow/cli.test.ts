// The `adjoint` command on fresh projects that install the packed tarball, as a user runs
// it through npx: `adjoint build` on a TypeScript 6 and a TypeScript 7 project (whose own
// typescript has no compiler API), `adjoint show` printing generated code and a refusal at
// file:line:col, and `adjoint setup` run twice (the second run changes nothing) on a
// tsconfig project with comments, where it installs ts-patch and the build then runs tspc,
// on the TypeScript 7 project, where the build runs `adjoint build`, and on a Vite project,
// whose edited config then builds. Slow (installs): `npm run test:slow`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REFUSED, ok, run, version, write } from "./projects";

let scratch: string;
const tarball = inject("tarball");
afterAll(() => scratch && rmSync(scratch, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>, packages: string[]): string {
  const dir = write(path.join(scratch, name), files);
  ok("npm", ["install", ...packages], dir);
  return dir;
}

const PROGRAM = `import { grad, tensor, mul, sum, tanh, type Tensor } from "adjoint";

export function f(x: number, y: number): number {
  return Math.sin(x) * y + x * x * x;
}
const loss = (w: Tensor) => sum(tanh(mul(w, w)));

console.log(
  JSON.stringify({
    df: grad(f, { wrt: [0, 1] })(0.5, 2),
    dloss: Array.from(grad(loss)(tensor([0.1, -0.7])).data),
  }),
);
`;

function checkGradients(printed: string): void {
  const result = JSON.parse(printed.trim().split("\n").at(-1)!);
  expect(result.df[0]).toBeCloseTo(Math.cos(0.5) * 2 + 3 * 0.25, 12);
  expect(result.df[1]).toBeCloseTo(Math.sin(0.5), 12);
  [0.1, -0.7].forEach((w, i) => expect(result.dloss[i]).toBeCloseTo((1 - Math.tanh(w * w) ** 2) * 2 * w, 12));
}

// CommonJS output (package.json has no "type"), with comments for setup to keep.
const TSCONFIG = `{
  // A CommonJS app.
  "compilerOptions": {
    "target": "ES2022",
    "module": "node20", // CommonJS here: package.json has no "type"
    "strict": true,
    "skipLibCheck": true,
    "types": [],
    /* output */
    "outDir": "dist",
    "rootDir": "src"
  },
  "include": ["src"]
}
`;
const PACKAGE = (name: string) => JSON.stringify({ name, version: "1.0.0", private: true }, null, 2) + "\n";

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "adjoint-cli-"));
});

describe("a TypeScript 6 project", () => {
  let dir: string;
  beforeAll(() => {
    dir = project(
      "ts6",
      {
        "package.json": PACKAGE("ts6"),
        "tsconfig.json": TSCONFIG,
        "src/main.ts": PROGRAM,
        "scripts/refused.ts": REFUSED,
      },
      [tarball, `typescript@${version("typescript")}`],
    );
  }, 300_000);

  it("adjoint build emits JavaScript that computes the gradients", () => {
    const r = run("npx", ["adjoint", "build", "-p", "tsconfig.json"], dir);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
    checkGradients(ok("node", ["dist/main.js"], dir));
  });

  it("adjoint show prints the generated code, one function with --fn, and a refusal at file:line:col", () => {
    const whole = ok("npx", ["adjoint", "show", "src/main.ts"], dir);
    expect(whole).toMatch(/^function f_grad_x_y\(x, y\) \{$/m);
    expect(whole).toContain("df: f_grad_x_y(0.5, 2),");
    const one = ok("npx", ["adjoint", "show", "src/main.ts", "--fn", "loss"], dir);
    expect(one).toMatch(/^\/\/ Generated for loss in main\.ts\nfunction loss_grad\(w\) \{\n/);
    expect(one).toMatch(/\/\/ Where main\.ts uses them\n\/\/ main\.ts:11\nconsole\.log\(/);
    expect(one).toContain("dloss: Array.from(loss_grad(tensor([0.1, -0.7])).data),");
    expect(one).not.toContain("function f_grad_x_y");
    // A file outside the tsconfig's include is shown too.
    const refused = run("npx", ["adjoint", "show", "scripts/refused.ts"], dir);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/^scripts\/refused\.ts:3:3 - error TS990201: ADJ201: /m);
  });

  it("adjoint setup installs ts-patch, adds the plugin keeping the tsconfig's comments, and the build runs tspc; a second run changes nothing", () => {
    const first = ok("npx", ["adjoint", "setup"], dir);
    expect(first).toMatch(/TypeScript 6\.0\.\d+: tspc/);
    expect(first).toMatch(/running: npm install --save-dev ts-patch@~3\.3\.0/);
    const tsconfig = readFileSync(path.join(dir, "tsconfig.json"), "utf8");
    expect(tsconfig).toContain("// A CommonJS app.");
    expect(tsconfig).toContain('"module": "node20", // CommonJS here');
    expect(tsconfig).toMatch(/"plugins": \[\s*\{\s*"transform": "adjoint\/transform",/);
    const pkg = readFileSync(path.join(dir, "package.json"), "utf8");
    expect(JSON.parse(pkg).scripts.build).toBe("tspc -p tsconfig.json");
    expect(JSON.parse(pkg).devDependencies["ts-patch"]).toMatch(/^[~^]?3\.3\./);

    rmSync(path.join(dir, "dist"), { recursive: true, force: true });
    ok("npm", ["run", "build"], dir);
    checkGradients(ok("node", ["dist/main.js"], dir));

    const second = ok("npx", ["adjoint", "setup"], dir);
    expect(second).toMatch(/Nothing to change: already set up/);
    expect(readFileSync(path.join(dir, "tsconfig.json"), "utf8")).toBe(tsconfig);
    expect(readFileSync(path.join(dir, "package.json"), "utf8")).toBe(pkg);
  });
});

describe("a TypeScript 7 project", () => {
  let dir: string;
  beforeAll(() => {
    // Its own typescript is 7; adjoint brings TypeScript 6.0 for itself.
    dir = project("ts7", { "package.json": PACKAGE("ts7"), "tsconfig.json": TSCONFIG, "src/main.ts": PROGRAM }, [
      tarball,
      `typescript@${version("typescript-7")}`,
    ]);
  }, 300_000);

  it("type-checks with tsc 7, and adjoint build emits JavaScript that computes the gradients", () => {
    expect(ok("npx", ["tsc", "--version"], dir)).toMatch(/Version 7\./);
    ok("npx", ["tsc", "-p", "tsconfig.json", "--noEmit"], dir);
    const r = run("npx", ["adjoint", "build", "-p", "tsconfig.json"], dir);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
    checkGradients(ok("node", ["dist/main.js"], dir));
  });

  it("adjoint setup makes `adjoint build` the build script, installs nothing; a second run changes nothing", () => {
    const first = ok("npx", ["adjoint", "setup"], dir);
    expect(first).toMatch(/TypeScript 7\.\d+\.\d+: `adjoint build`/);
    expect(first).not.toMatch(/running:/);
    const pkg = readFileSync(path.join(dir, "package.json"), "utf8");
    expect(JSON.parse(pkg).scripts.build).toBe("adjoint build -p tsconfig.json");
    rmSync(path.join(dir, "dist"), { recursive: true, force: true });
    ok("npm", ["run", "build"], dir);
    checkGradients(ok("node", ["dist/main.js"], dir));
    const tsconfig = readFileSync(path.join(dir, "tsconfig.json"), "utf8");
    expect(ok("npx", ["adjoint", "setup"], dir)).toMatch(/Nothing to change: already set up/);
    expect(readFileSync(path.join(dir, "tsconfig.json"), "utf8")).toBe(tsconfig);
    expect(readFileSync(path.join(dir, "package.json"), "utf8")).toBe(pkg);
  });
});

describe("a Vite project", () => {
  it("adjoint setup adds adjoint/vite to vite.config.ts, whose build then computes the gradients; a second run changes nothing", () => {
    const config = `import { defineConfig } from "vite";

// A Node build of src/main.ts.
export default defineConfig({
  build: { ssr: "src/main.ts" },
  ssr: { noExternal: true },
});
`;
    const dir = project(
      "vite-app",
      {
        "package.json": JSON.stringify({ name: "vite-app", private: true, type: "module" }, null, 2) + "\n",
        "tsconfig.json": JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "ESNext",
            moduleResolution: "bundler",
            strict: true,
            noEmit: true,
          },
          include: ["src"],
        }),
        "vite.config.ts": config,
        "src/main.ts": PROGRAM,
      },
      [tarball, `vite@${version("vite")}`],
    );
    const first = ok("npx", ["adjoint", "setup"], dir);
    expect(first).toMatch(/vite\.config\.ts: added adjoint\(\) from "adjoint\/vite" to its plugins/);
    const edited = readFileSync(path.join(dir, "vite.config.ts"), "utf8");
    expect(edited).toContain("// A Node build of src/main.ts.");
    expect(edited).toMatch(/plugins: \[adjoint\(\)\]/);
    ok("npx", ["vite", "build"], dir);
    checkGradients(ok("node", ["dist/main.js"], dir));
    expect(ok("npx", ["adjoint", "setup"], dir)).toMatch(/Nothing to change: already set up/);
    expect(readFileSync(path.join(dir, "vite.config.ts"), "utf8")).toBe(edited);
  });
});
