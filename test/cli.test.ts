// The `adjoint` command's parts that need no install: the tsconfig, package.json and Vite
// config edits of `adjoint setup` (comments kept, idempotent), its detection of the package
// manager, build tool and TypeScript, the command line's errors, and `show` and `build` run
// in-process on a project in the temporary folder that links this repository as `adjoint`.
// test/slow/cli.test.ts runs the packed package on fresh projects.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "jsonc-parser";
import { afterAll, describe, expect, it } from "vitest";
import type { Output } from "../tooling/build";
import { main } from "../tooling/cli";
import {
  addPluginToConfig,
  addTransformPlugin,
  detectBuildTools,
  detectPackageManager,
  installCommand,
  projectTypeScript,
  setBuildScript,
  TSCONFIG_ENTRY,
} from "../tooling/setup";
import { ownerOf } from "../tooling/show";

const ROOT = path.resolve(__dirname, "..");
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-cli-"));
  temporary.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function collect(): Output & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    color: false,
    stdout: () => out,
    stderr: () => err,
  };
}

const TSCONFIG = `{
  // The app's options.
  "compilerOptions": {
    "target": "ES2022", // modern
    /* where the output goes */
    "outDir": "dist",
    "strict": true,
  },
  "include": ["src"]
}
`;

describe("adjoint setup: the tsconfig edit", () => {
  it("adds the plugin keeping comments, trailing commas and indentation, and a second run changes nothing", () => {
    const first = addTransformPlugin(TSCONFIG);
    expect(first.changed).toBe(true);
    for (const kept of ["// The app's options.", "// modern", "/* where the output goes */", '    "outDir": "dist",'])
      expect(first.text).toContain(kept);
    expect(parse(first.text).compilerOptions.plugins).toEqual([TSCONFIG_ENTRY]);
    expect(first.text).toContain('    "plugins": [\n      {\n        "transform": "adjoint/transform",');
    const second = addTransformPlugin(first.text);
    expect(second).toEqual({ text: first.text, changed: false });
  });

  it("appends to a plugins array the tsconfig has, and keeps tabs", () => {
    const text = `{\n\t"compilerOptions": {\n\t\t"plugins": [{ "name": "typescript-plugin-css-modules" }] // css\n\t}\n}\n`;
    const result = addTransformPlugin(text);
    expect(parse(result.text).compilerOptions.plugins).toEqual([
      { name: "typescript-plugin-css-modules" },
      TSCONFIG_ENTRY,
    ]);
    expect(result.text).toContain("// css");
    expect(result.text).toContain('\t\t\t"transform": "adjoint/transform"');
  });

  it("copies the plugins it inherits through extends, which its own array would replace; an inherited adjoint entry is enough", () => {
    const text = `{ "extends": "./base.json", "compilerOptions": { "strict": true } }`;
    const inherited = [{ transform: "typia/lib/transform" }];
    expect(parse(addTransformPlugin(text, inherited).text).compilerOptions.plugins).toEqual([
      ...inherited,
      TSCONFIG_ENTRY,
    ]);
    expect(addTransformPlugin(text, [{ transform: "adjoint/transform" }]).changed).toBe(false);
  });

  it("creates compilerOptions when there is none", () => {
    expect(parse(addTransformPlugin(`{ "include": ["src"] }`).text)).toEqual({
      include: ["src"],
      compilerOptions: { plugins: [TSCONFIG_ENTRY] },
    });
  });
});

describe("adjoint setup: the build script", () => {
  const pkg = (scripts?: Record<string, string>) =>
    JSON.stringify({ name: "app", ...(scripts ? { scripts } : {}) }, null, 2) + "\n";

  it("adds one when there is none, and leaves it on a second run", () => {
    const first = setBuildScript(pkg(), "tspc -p tsconfig.json", "tspc");
    expect(JSON.parse(first.text).scripts.build).toBe("tspc -p tsconfig.json");
    expect(setBuildScript(first.text, "tspc -p tsconfig.json", "tspc")).toEqual({ text: first.text, changed: false });
  });

  it("puts tspc or adjoint build in place of tsc, which ignores transformer plugins", () => {
    const text = pkg({ build: "tsc -p tsconfig.app.json && node copy.js", test: "vitest" });
    expect(JSON.parse(setBuildScript(text, "tspc -p tsconfig.json", "tspc").text).scripts.build).toBe(
      "tspc -p tsconfig.app.json && node copy.js",
    );
    const adjoint = setBuildScript(text, "adjoint build -p tsconfig.json", "adjoint build");
    expect(JSON.parse(adjoint.text).scripts).toEqual({
      build: "adjoint build -p tsconfig.app.json && node copy.js",
      test: "vitest",
    });
    expect(setBuildScript(adjoint.text, "adjoint build -p tsconfig.json", "adjoint build").changed).toBe(false);
  });

  it("leaves another build script and tsc --build for adjoint build alone, with a note", () => {
    const other = setBuildScript(pkg({ build: "node build.mjs" }), "tspc -p tsconfig.json", "tspc");
    expect(other.changed).toBe(false);
    expect(other.note).toMatch(/`node build\.mjs`: left as it is; compile TypeScript with `tspc -p tsconfig.json`/);
    const solution = setBuildScript(pkg({ build: "tsc -b" }), "adjoint build -p tsconfig.json", "adjoint build");
    expect(solution.changed).toBe(false);
    expect(solution.note).toMatch(/tsc --build/);
  });
});

describe("adjoint setup: Vite and other bundler configs", () => {
  it("adds adjoint() first in a defineConfig's plugins, keeping the rest as written; a second run changes nothing", async () => {
    const config = `import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// https://vite.dev/config/
export default defineConfig({
  plugins: [react()],
  server: { port: 3000 }, // dev server
});
`;
    const first = await addPluginToConfig(config, "adjoint/vite");
    if (!("code" in first)) throw new Error(first.manual);
    expect(first.changed).toBe(true);
    expect(first.code).toContain('import adjoint from "adjoint/vite";');
    expect(first.code).toMatch(/plugins: \[adjoint\(\), react\(\)\]/);
    expect(first.code).toContain("// https://vite.dev/config/");
    expect(first.code).toContain("server: { port: 3000 }, // dev server");
    expect(await addPluginToConfig(first.code, "adjoint/vite")).toEqual({ code: first.code, changed: false });
  });

  it("edits a config without plugins, a plain object export and a variable; asks for the lines on other shapes", async () => {
    const bare = await addPluginToConfig(`export default { test: { globals: true } };\n`, "adjoint/vite");
    expect("code" in bare && bare.code).toMatch(/plugins: \[adjoint\(\)\]/);
    const variable = await addPluginToConfig(
      `import { defineConfig } from "vite";\nconst config = defineConfig({ base: "./" });\nexport default config;\n`,
      "adjoint/vite",
    );
    expect("code" in variable && variable.code).toMatch(/adjoint\(\)/);
    const fn = await addPluginToConfig(
      `import { defineConfig } from "vite";\nexport default defineConfig(({ mode }) => ({ base: mode }));\n`,
      "adjoint/vite",
    );
    expect(fn).toEqual({ manual: expect.stringMatching(/not a config object/) });
    const commonjs = await addPluginToConfig(`module.exports = { plugins: [] };\n`, "adjoint/webpack");
    expect(commonjs).toEqual({ manual: expect.stringMatching(/no `export default`/) });
  });

  it("names the plugin otherwise when `adjoint` is taken", async () => {
    const result = await addPluginToConfig(
      `const adjoint = 1;\nexport default { plugins: [], define: { adjoint } };\n`,
      "adjoint/rollup",
    );
    expect("code" in result && result.code).toContain('import adjointPlugin from "adjoint/rollup";');
  });
});

describe("adjoint setup: detection", () => {
  it("finds the package manager by lockfile, then by the packageManager field, else npm", () => {
    expect(detectPackageManager(folder({ "pnpm-lock.yaml": "" }))).toBe("pnpm");
    expect(detectPackageManager(folder({ "yarn.lock": "" }))).toBe("yarn");
    expect(detectPackageManager(folder({ "bun.lockb": "" }))).toBe("bun");
    expect(detectPackageManager(folder({ "package-lock.json": "{}" }))).toBe("npm");
    expect(detectPackageManager(folder({ "package.json": `{ "packageManager": "pnpm@9.1.0" }` }))).toBe("pnpm");
    expect(detectPackageManager(folder({ "package.json": "{}" }))).toBe("npm");
    expect(installCommand("pnpm", ["ts-patch@~3.3.0"], true)).toEqual(["pnpm", "add", "-D", "ts-patch@~3.3.0"]);
    expect(installCommand("npm", ["adjoint"], false)).toEqual(["npm", "install", "adjoint"]);
  });

  it("finds Vite and Vitest configs, leaving a Vitest config that merges the Vite config to it", () => {
    const merged = detectBuildTools(
      folder({
        "vite.config.ts": "export default {};",
        "vitest.config.ts": `import viteConfig from "./vite.config";\nexport default viteConfig;`,
      }),
    );
    expect(merged.vite).toEqual(["vite.config.ts"]);
    const both = detectBuildTools(
      folder({ "vite.config.mjs": "export default {};", "vitest.config.mts": "export default {};" }),
    );
    expect(both.vite).toEqual(["vite.config.mjs", "vitest.config.mts"]);
    const bundlers = detectBuildTools(
      folder({
        "rollup.config.mjs": "",
        "webpack.config.js": "",
        "package.json": `{ "devDependencies": { "esbuild": "^0.25.0" } }`,
      }),
    );
    expect(bundlers).toMatchObject({
      vite: [],
      rollup: "rollup.config.mjs",
      webpack: "webpack.config.js",
      esbuild: true,
    });
    expect(detectBuildTools(folder({ "package.json": `{ "devDependencies": { "vitest": "^4.0.0" } }` }))).toMatchObject(
      {
        vite: [],
        viteWithoutConfig: true,
      },
    );
    expect(detectBuildTools(folder({ "package.json": "{}" }))).toMatchObject({
      vite: [],
      esbuild: false,
      viteWithoutConfig: false,
    });
  });

  it("reads the TypeScript a project asks for when it is not installed", () => {
    expect(projectTypeScript(folder({ "package.json": `{ "devDependencies": { "typescript": "^7.0.2" } }` }))).toEqual({
      declared: true,
      version: undefined,
      majorMinor: "7.0",
    });
    expect(
      projectTypeScript(folder({ "package.json": `{ "devDependencies": { "typescript": "~6.0.3" } }` })).majorMinor,
    ).toBe("6.0");
    expect(projectTypeScript(folder({ "package.json": "{}" })).declared).toBe(false);
  });
});

describe("adjoint setup on a project (nothing to install)", () => {
  const project = (extra: Record<string, string>, deps: Record<string, string>) =>
    folder({
      "package.json": JSON.stringify({ name: "app", private: true, devDependencies: deps }, null, 2) + "\n",
      "package-lock.json": "{}",
      ...extra,
    });

  it("the tsconfig route with TypeScript 6.0: the plugin and tspc, then nothing to change", async () => {
    const dir = project(
      { "tsconfig.json": TSCONFIG },
      { adjoint: "0.1.0", typescript: "~6.0.3", "ts-patch": "~3.3.0" },
    );
    const dry = collect();
    expect(await main(["setup", "--dry-run"], dir, dry)).toBe(0);
    expect(dry.stdout()).toMatch(/tsconfig\.json: would add \{"transform":"adjoint\/transform"/);
    expect(readFileSync(path.join(dir, "tsconfig.json"), "utf8")).toBe(TSCONFIG);

    const first = collect();
    expect(await main(["setup"], dir, first)).toBe(0);
    expect(first.stdout()).toMatch(/TypeScript 6\.0: tspc/);
    expect(first.stdout()).toMatch(/package\.json: set scripts\.build to "tspc -p tsconfig\.json"/);
    expect(first.stdout()).not.toMatch(/npm install/);
    const tsconfig = readFileSync(path.join(dir, "tsconfig.json"), "utf8");
    expect(tsconfig).toContain("// The app's options.");
    expect(parse(tsconfig).compilerOptions.plugins).toEqual([TSCONFIG_ENTRY]);

    const second = collect();
    expect(await main(["setup"], dir, second)).toBe(0);
    expect(second.stdout()).toMatch(/Nothing to change: already set up/);
    expect(readFileSync(path.join(dir, "tsconfig.json"), "utf8")).toBe(tsconfig);
  });

  it("the tsconfig route with TypeScript 7: adjoint build, no ts-patch", async () => {
    const dir = project({ "tsconfig.json": TSCONFIG }, { adjoint: "0.1.0", typescript: "^7.0.2" });
    const output = collect();
    expect(await main(["setup", "--dry-run"], dir, output)).toBe(0);
    expect(output.stdout()).toMatch(/TypeScript 7\.0: `adjoint build`/);
    expect(output.stdout()).toMatch(/would set scripts\.build to "adjoint build -p tsconfig\.json"/);
    expect(output.stdout()).not.toMatch(/would run/);
  });

  it("installs what is missing with the project's package manager", async () => {
    const dir = folder({ "package.json": `{ "name": "app" }`, "pnpm-lock.yaml": "", "tsconfig.json": "{}" });
    const output = collect();
    expect(await main(["setup", "--dry-run"], dir, output)).toBe(0);
    expect(output.stdout()).toMatch(/would run: pnpm add adjoint\n/);
    expect(output.stdout()).toMatch(/would run: pnpm add -D typescript@~6\.0\.\d+ ts-patch@~3\.3\.0\n/);
  });

  it("a Vite project: the plugin in vite.config.ts, then nothing to change", async () => {
    const config = `import { defineConfig } from "vite";\n\nexport default defineConfig({\n  base: "./",\n});\n`;
    const dir = project({ "vite.config.ts": config, "tsconfig.json": TSCONFIG }, { adjoint: "0.1.0", vite: "^7.0.0" });
    const first = collect();
    expect(await main(["setup"], dir, first)).toBe(0);
    expect(first.stdout()).toMatch(/vite\.config\.ts: added adjoint\(\) from "adjoint\/vite" to its plugins/);
    const edited = readFileSync(path.join(dir, "vite.config.ts"), "utf8");
    expect(edited).toMatch(/^import adjoint from "adjoint\/vite";/m);
    expect(edited).toMatch(/plugins: \[adjoint\(\)\]/);
    // The bundler route leaves the tsconfig alone.
    expect(readFileSync(path.join(dir, "tsconfig.json"), "utf8")).toBe(TSCONFIG);
    const second = collect();
    expect(await main(["setup"], dir, second)).toBe(0);
    expect(second.stdout()).toMatch(/Nothing to change: already set up \(vite\.config\.ts already has adjoint\/vite/);
    expect(readFileSync(path.join(dir, "vite.config.ts"), "utf8")).toBe(edited);
  });

  it("a CommonJS webpack config and esbuild: the lines to add", async () => {
    const dir = project(
      { "webpack.config.js": `module.exports = { entry: "./src/main.ts" };\n` },
      { adjoint: "0.1.0", webpack: "^5.0.0", esbuild: "^0.25.0" },
    );
    const output = collect();
    expect(await main(["setup"], dir, output)).toBe(0);
    expect(output.stdout()).toContain('const adjoint = require("adjoint/webpack");');
    expect(output.stdout()).toContain('import adjoint from "adjoint/esbuild";');
    expect(output.stdout()).toMatch(/add the lines above yourself/);
  });

  it("refuses a folder with no package.json or no tsconfig for the tsconfig route", async () => {
    const none = collect();
    expect(await main(["setup"], folder(), none)).toBe(1);
    expect(none.stderr()).toMatch(/no package\.json in/);
    const noTsconfig = collect();
    expect(await main(["setup"], folder({ "package.json": "{}" }), noTsconfig)).toBe(1);
    expect(noTsconfig.stderr()).toMatch(/no tsconfig\.json for the tsconfig route/);
  });
});

describe("the command line", () => {
  it("names an unknown command, a missing file and an unknown option, with exit status 2", async () => {
    const unknown = collect();
    expect(await main(["biuld"], ROOT, unknown)).toBe(2);
    expect(unknown.stderr()).toMatch(/unknown command `biuld`\. The commands are build, show and setup/);
    const noFile = collect();
    expect(await main(["show"], ROOT, noFile)).toBe(2);
    expect(noFile.stderr()).toMatch(/which file\?/);
    const option = collect();
    expect(await main(["show", "a.ts", "--fun", "f"], ROOT, option)).toBe(2);
    expect(option.stderr()).toMatch(/Unknown option '--fun'/);
    const missing = collect();
    expect(await main(["show", "a.ts", "--fn"], ROOT, missing)).toBe(2);
    expect(missing.stderr()).toMatch(/--fn/);
    const tscOption = collect();
    expect(await main(["build", "--outdirr", "x"], ROOT, tscOption)).toBe(2);
    expect(tscOption.stderr()).toMatch(/Unknown compiler option '--outdirr'/);
  });

  it("prints help for each command, exit status 0", async () => {
    for (const argv of [["--help"], ["build", "--help"], ["show", "-h"], ["setup", "--help"]]) {
      const output = collect();
      expect(await main(argv, ROOT, output)).toBe(0);
      expect(output.stdout()).toMatch(/^Usage: adjoint/);
    }
  });
});

describe("generated names' owners", () => {
  it("is the longest declared name a generated name extends", () => {
    const declared = new Set(["f", "f_2", "loss", "u"]);
    expect(ownerOf("f_grad", declared)).toBe("f");
    expect(ownerOf("f_2_grad", declared)).toBe("f_2");
    expect(ownerOf("loss_grad_w_b", declared)).toBe("loss");
    expect(ownerOf("u_grad_grad", declared)).toBe("u");
    expect(ownerOf("f2", declared)).toBe("f");
    expect(ownerOf("lossy_grad", declared)).toBeUndefined();
  });
});

// A project that reaches this repository's dist/ as `adjoint`, as an installed package would.
const PROGRAM = `import { grad, valueAndGrad } from "adjoint";

// Two inputs.
export function f(x: number, y: number): number {
  return Math.sin(x) * y + x * x * x;
}
const g = (x: number) => f(x, 2) * 3;

export const df = grad(f, { wrt: [0, 1] });
const vg = valueAndGrad(g);
console.log(JSON.stringify([df(0.5, 2), vg(0.5)]));
`;
const REFUSED = `import { grad } from "adjoint";
export function h(x: number) {
  try {
    return x * x;
  } catch {
    return 0;
  }
}
export const dh = grad(h);
`;

function linkedProject(): string {
  const dir = folder({
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "commonjs",
        moduleResolution: "node10",
        ignoreDeprecations: "6.0",
        strict: true,
        skipLibCheck: true,
        types: [],
        outDir: "dist",
        rootDir: "src",
      },
      include: ["src"],
    }),
    "src/main.ts": PROGRAM,
    "src/refused.ts": REFUSED,
  });
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(ROOT, path.join(dir, "node_modules/adjoint"), "dir");
  return dir;
}

describe("adjoint show and adjoint build in-process", () => {
  const dir = linkedProject();

  it("show prints the file with its generated functions, formatted by prettier", async () => {
    const output = collect();
    expect(await main(["show", "src/main.ts"], dir, output)).toBe(0);
    const code = output.stdout();
    expect(code).toContain("// Two inputs.\nexport function f(x: number, y: number): number {");
    expect(code).toMatch(/\n\nfunction f_grad_x_y\(x, y\) \{\n  const /);
    expect(code).toContain("export const df = f_grad_x_y;");
    expect(code).toContain("const vg = g_valueAndGrad;");
  });

  it("show --fn prints one function's generated code, what it calls, and the lines that use it", async () => {
    const output = collect();
    expect(await main(["show", "src/main.ts", "--fn", "g"], dir, output)).toBe(0);
    const code = output.stdout();
    expect(code).toMatch(/^\/\/ Generated for g in main\.ts\nfunction g_valueAndGrad\(x\) \{/);
    expect(code).toMatch(/\/\/ f_forward, generated for f, called by the functions above\nfunction f_forward\(x, y\)/);
    expect(code).toContain("// Where main.ts uses them\n// main.ts:10\nconst vg = g_valueAndGrad;\n");
    expect(code).not.toContain("f_grad_x_y");
    const none = collect();
    expect(await main(["show", "src/main.ts", "--fn", "main"], dir, none)).toBe(1);
    expect(none.stderr()).toMatch(/no generated function for `main`\. Functions with generated code in it: f, g\./);
  });

  it("show prints a refusal's diagnostic at file:line:col and exits 1", async () => {
    const output = collect();
    expect(await main(["show", "src/refused.ts"], dir, output)).toBe(1);
    expect(output.stdout()).toBe("");
    expect(output.stderr()).toMatch(/^src\/refused\.ts:3:3 - error TS990201: ADJ201: /);
  });

  it("build emits JavaScript whose gradient is right, and fails at file:line:col on a refusal", async () => {
    const output = collect();
    expect(await main(["build", "-p", "tsconfig.json"], dir, output)).toBe(1);
    expect(output.stdout()).toMatch(/^src\/refused\.ts:3:3 - error TS990201: ADJ201: /m);
    expect(output.stdout()).toMatch(/Found 1 error\./);
    const run = spawnSync(process.execPath, ["dist/main.js"], { cwd: dir, encoding: "utf8" });
    const [[dx, dy], { value, grad }] = JSON.parse(run.stdout);
    expect(dx).toBeCloseTo(Math.cos(0.5) * 2 + 3 * 0.25, 12);
    expect(dy).toBeCloseTo(Math.sin(0.5), 12);
    expect(value).toBeCloseTo((Math.sin(0.5) * 2 + 0.125) * 3, 12);
    expect(grad).toBeCloseTo((Math.cos(0.5) * 2 + 0.75) * 3, 12);
    // noEmitOnError: nothing is written when adjoint refuses something, as with tsc.
    rmSync(path.join(dir, "dist"), { recursive: true });
    expect(await main(["build", "-p", ".", "--noEmitOnError"], dir, collect())).toBe(1);
    expect(() => readFileSync(path.join(dir, "dist/main.js"))).toThrow();
  });
});
