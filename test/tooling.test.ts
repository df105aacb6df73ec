// The transformer outside tspc: the compiler the bundler plugins share (one program kept
// across files, rebuilt incrementally), each bundler's plugin building a real project in
// process, and the language-service plugin's diagnostics. Fresh projects installed from
// the packed tarball are the slow suite's (test/slow/).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { AdjointCompiler } from "../tooling/compiler";
import adjointEsbuild from "../tooling/esbuild";
import initLanguageService from "../tooling/language-service";
import adjointRolldown from "../tooling/rolldown";
import adjointRollup from "../tooling/rollup";
import adjointVite from "../tooling/vite";
import adjointWebpack from "../tooling/webpack";

const ROOT = path.resolve(__dirname, "..");
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const MODEL = `export function cube(x: number): number {
  return x * x * x;
}
`;
const MAIN = `import { grad, tensor, mul, sum, type Tensor } from "adjoint";
import { cube } from "./model";

const squares = (x: Tensor) => sum(mul(x, x));
export const result = {
  dCube: grad(cube)(2),
  dSquares: Array.from(grad(squares)(tensor([1, 2, 3])).data),
};
`;
const PLAIN = `export const twice = (x: number): number => 2 * x;\n`;
const REFUSED = `import { grad } from "adjoint";
function f(x: number) {
  try {
    return x * x;
  } catch {
    return 0;
  }
}
export const df = grad(f);
`;
const EXPECTED = { dCube: 12, dSquares: [2, 4, 6] };

/** A project under .tmp/ (so `adjoint` resolves to this checkout) with a bundler-style tsconfig. */
function project(files: Record<string, string>): string {
  mkdirSync(path.join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, ".tmp", "tooling-"));
  temporary.push(dir);
  const tsconfig = {
    // The plugins take the tsconfig's options and emit ES modules whatever its module is.
    compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "bundler", strict: true, noEmit: true },
    include: ["src"],
  };
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const source = (dir: string, name: string): [string, string] => {
  const file = path.join(dir, name);
  return [file, readFileSync(file, "utf8")];
};

describe("the compiler the bundler plugins share", () => {
  it("emits the files adjoint changes, with a source map, and leaves the others to the bundler", () => {
    const dir = project({ "src/model.ts": MODEL, "src/main.ts": MAIN, "src/plain.ts": PLAIN });
    const compiler = new AdjointCompiler({ tsconfig: dir });
    const model = compiler.transform(...source(dir, "src/model.ts"));
    const main = compiler.transform(...source(dir, "src/main.ts"));
    // grad(cube) is generated beside cube, and main.ts reaches it through an import of its own.
    expect(model.code).toContain("export function cube_grad(x)");
    expect(main.code).toContain("function squares_grad(x)");
    expect(main.code).toMatch(/import \* as \w+ from "adjoint\/internal"/);
    expect(main.code).not.toContain("sourceMappingURL");
    expect(compiler.transform(...source(dir, "src/plain.ts")).code).toBeUndefined();

    const map = JSON.parse(main.map!);
    expect(map.sources).toEqual([path.join(dir, "src/main.ts")]);
    expect(map.sourcesContent).toEqual([MAIN]);
    // The line that calls the generated function maps back to the user's line.
    const lines = main.code!.split("\n");
    const at = lines.findIndex((l) => l.includes("dCube:"));
    const original = originalPositionFor(new TraceMap(map), { line: at + 1, column: lines[at]!.indexOf("dCube") });
    expect(original.line).toBe(MAIN.split("\n").findIndex((l) => l.includes("dCube:")) + 1);
  });

  it("keeps one program across files and rebuilds only what an edit changed", () => {
    const dir = project({ "src/model.ts": MODEL, "src/main.ts": MAIN, "src/plain.ts": PLAIN });
    const compiler = new AdjointCompiler({ tsconfig: dir });
    compiler.transform(...source(dir, "src/model.ts"));
    const first = compiler.program();
    compiler.transform(...source(dir, "src/main.ts"));
    compiler.transform(...source(dir, "src/plain.ts"));
    expect(compiler.program()).toBe(first);

    // An edit (the bundler hands over new text in watch mode): a new program that reuses
    // every file the edit did not touch, and output that follows the edit.
    const [mainFile] = source(dir, "src/main.ts");
    const edited = compiler.transform(mainFile, MAIN.replace("sum(mul(x, x))", "sum(mul(mul(x, x), x))"));
    const second = compiler.program();
    expect(second).not.toBe(first);
    expect(second.getSourceFile(path.join(dir, "src/model.ts"))).toBe(
      first.getSourceFile(path.join(dir, "src/model.ts")),
    );
    expect(edited.code).toMatch(/function squares_grad\(x\)/);
    expect(edited.code).not.toBe(compiler.transform(...source(dir, "src/main.ts")).code);

    // A change on disk the bundler reports (watchChange) is read again.
    writeFileSync(path.join(dir, "src/model.ts"), MODEL.replace("x * x * x", "x * x"));
    compiler.changed(path.join(dir, "src/model.ts"));
    expect(compiler.transform(...source(dir, "src/model.ts")).code).toContain("x + x");
  });

  it("reads a solution-style tsconfig (Vite's templates) through its references", () => {
    const dir = project({
      "src/model.ts": MODEL,
      // The app's options: a path alias, verbatim module syntax.
      "src/main.ts": MAIN.replace('from "./model"', 'from "@/model"').replace(
        'import { grad, tensor, mul, sum, type Tensor } from "adjoint";',
        'import { grad, tensor, mul, sum } from "adjoint";\nimport type { Tensor } from "adjoint";',
      ),
      "tsconfig.json": JSON.stringify({
        files: [],
        references: [{ path: "./tsconfig.app.json" }, { path: "./tsconfig.node.json" }],
      }),
      "tsconfig.app.json": JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "bundler",
          paths: { "@/*": ["./src/*"] },
          verbatimModuleSyntax: true,
          strict: true,
          noEmit: true,
        },
        include: ["src"],
      }),
      "tsconfig.node.json": JSON.stringify({
        compilerOptions: { module: "ESNext", moduleResolution: "bundler", noEmit: true },
        include: ["vite.config.ts"],
      }),
      "vite.config.ts": `export default {};\n`,
    });
    const compiler = new AdjointCompiler({ tsconfig: dir });
    const main = compiler.transform(...source(dir, "src/main.ts"));
    expect(main.diagnostics).toEqual([]);
    expect(main.code).toContain("function squares_grad(x)");
    expect(main.code).toMatch(/from "@\/model"/);
    expect(compiler.transform(...source(dir, "src/model.ts")).code).toContain("export function cube_grad(x)");
  });

  it("takes a file outside the tsconfig that uses adjoint (a test file), and reports ADJ diagnostics in place", () => {
    const dir = project({ "src/model.ts": MODEL, "test/refused.test.ts": REFUSED });
    const compiler = new AdjointCompiler({ tsconfig: dir });
    const result = compiler.transform(...source(dir, "test/refused.test.ts"));
    expect(result.diagnostics.map((d) => d.code)).toEqual([990201]);
    const d = result.diagnostics[0]!;
    expect(d.file!.getLineAndCharacterOfPosition(d.start!)).toEqual({ line: 2, character: 2 });
  });
});

describe("the bundler plugins build a project", () => {
  // Each bundle runs and must give the gradients; the entry re-exports main's result.
  const files = { "src/model.ts": MODEL, "src/main.ts": MAIN, "src/plain.ts": PLAIN };

  it("Vite (adjoint/vite)", async () => {
    const dir = project(files);
    const { build } = await import("vite");
    const adjoint = adjointVite;
    await build({
      root: dir,
      configFile: false,
      logLevel: "silent",
      plugins: [adjoint()],
      build: {
        lib: { entry: path.join(dir, "src/main.ts"), formats: ["es"], fileName: "main" },
        outDir: path.join(dir, "out"),
        minify: false,
        sourcemap: true,
        rollupOptions: { external: [/^adjoint/] },
      },
    });
    const built = await import(pathToFileURL(path.join(dir, "out/main.mjs")).href);
    expect(built.result).toEqual(EXPECTED);
  });

  it("Vite fails the build on an ADJ diagnostic with file:line:col", async () => {
    const dir = project({ "src/refused.ts": REFUSED });
    const { build } = await import("vite");
    const adjoint = adjointVite;
    const building = build({
      root: dir,
      configFile: false,
      logLevel: "silent",
      plugins: [adjoint()],
      build: {
        lib: { entry: path.join(dir, "src/refused.ts"), formats: ["es"], fileName: "refused" },
        outDir: path.join(dir, "out"),
        rollupOptions: { external: [/^adjoint/] },
      },
    });
    await expect(building).rejects.toThrow(/src\/refused\.ts:3:3 - ADJ201: /);
  });

  it("esbuild (adjoint/esbuild)", async () => {
    const dir = project(files);
    const esbuild = await import("esbuild");
    const adjoint = adjointEsbuild;
    await esbuild.build({
      absWorkingDir: dir,
      entryPoints: ["src/main.ts"],
      bundle: true,
      format: "esm",
      platform: "node",
      external: ["adjoint", "adjoint/*"],
      outfile: path.join(dir, "out/main.mjs"),
      sourcemap: true,
      logLevel: "silent",
      plugins: [adjoint({ tsconfig: dir })],
    });
    const built = await import(pathToFileURL(path.join(dir, "out/main.mjs")).href);
    expect(built.result).toEqual(EXPECTED);
  });

  it("Rollup (adjoint/rollup), which reads no TypeScript of its own", async () => {
    const dir = project(files);
    const { rollup } = await import("rollup");
    const adjoint = adjointRollup;
    const bundle = await rollup({
      input: path.join(dir, "src/main.ts"),
      external: [/^adjoint/],
      plugins: [adjoint({ tsconfig: dir })],
      // No warning: in particular the rewritten grad() leaves no unused import behind.
      onwarn: (warning) => {
        throw new Error(warning.message);
      },
    });
    await bundle.write({ file: path.join(dir, "out/main.mjs"), format: "es", sourcemap: true });
    const built = await import(pathToFileURL(path.join(dir, "out/main.mjs")).href);
    expect(built.result).toEqual(EXPECTED);
  });

  it("Rolldown (adjoint/rolldown)", async () => {
    const dir = project(files);
    const { rolldown } = await import("rolldown");
    const adjoint = adjointRolldown;
    const bundle = await rolldown({
      input: path.join(dir, "src/main.ts"),
      external: [/^adjoint/],
      plugins: [adjoint({ tsconfig: dir })],
    });
    await bundle.write({ file: path.join(dir, "out/main.mjs"), format: "es" });
    const built = await import(pathToFileURL(path.join(dir, "out/main.mjs")).href);
    expect(built.result).toEqual(EXPECTED);
  });

  it("webpack (adjoint/webpack), with no TypeScript loader of its own", async () => {
    const dir = project(files);
    const webpack = (await import("webpack")).default;
    const adjoint = adjointWebpack;
    const stats = await new Promise<import("webpack").Stats>((resolve, reject) =>
      webpack(
        {
          context: dir,
          mode: "none",
          target: "node",
          entry: "./src/main.ts",
          devtool: "source-map",
          output: { path: path.join(dir, "out"), filename: "main.cjs", library: { type: "commonjs2" } },
          resolve: { extensions: [".ts", ".js"] },
          externals: [/^adjoint/],
          externalsType: "commonjs",
          plugins: [adjoint({ tsconfig: dir })],
        },
        (error, result) => (error || !result ? reject(error) : resolve(result)),
      ),
    );
    expect(stats.toJson({ all: false, errors: true }).errors).toEqual([]);
    const built = createRequire(__filename)(path.join(dir, "out/main.cjs"));
    expect(built.result).toEqual(EXPECTED);
  });
});

describe("the language-service plugin", () => {
  it("adds ADJ diagnostics to a file's semantic diagnostics, on their nodes, and follows edits", () => {
    const dir = project({ "src/refused.ts": REFUSED, "src/model.ts": MODEL });
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(dir, "tsconfig.json"), undefined, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    })!;
    const refused = path.join(dir, "src/refused.ts");
    let text = REFUSED;
    let version = 0;
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => parsed.options,
      getScriptFileNames: () => parsed.fileNames,
      getScriptVersion: (f) => (f === refused ? String(version) : "0"),
      getScriptSnapshot: (f) => {
        const content = f === refused ? text : ts.sys.readFile(f);
        return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content);
      },
      getCurrentDirectory: () => dir,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    const logged: string[] = [];
    const info = {
      languageService: ts.createLanguageService(host),
      project: { projectService: { logger: { info: (m: string) => logged.push(m) } } },
    } as unknown as ts.server.PluginCreateInfo;
    const service = initLanguageService({ typescript: ts }).create(info);

    const adj = () =>
      service
        .getSemanticDiagnostics(refused)
        .filter((d) => String(d.code).startsWith("990"))
        .map((d) => {
          const at = d.file!.getLineAndCharacterOfPosition(d.start!);
          return `${d.code}@${at.line + 1}:${at.character + 1}`;
        });
    expect(adj()).toEqual(["990201@3:3"]);
    expect(service.getSemanticDiagnostics(path.join(dir, "src/model.ts"))).toEqual([]);

    // As you type: the refused try goes, and so does the diagnostic.
    text = REFUSED.replace(/try \{\n    return x \* x;\n  \} catch \{\n    return 0;\n  \}/, "return x * x;");
    version++;
    expect(adj()).toEqual([]);
    expect(logged).toEqual([]);
  });

  it("stays out of the way of an editor on another TypeScript version", () => {
    const logged: string[] = [];
    const languageService = {} as ts.LanguageService;
    const info = {
      languageService,
      project: { projectService: { logger: { info: (m: string) => logged.push(m) } } },
    } as unknown as ts.server.PluginCreateInfo;
    const other = { ...ts, versionMajorMinor: "5.8", version: "5.8.3" } as unknown as typeof ts;
    expect(initLanguageService({ typescript: other }).create(info)).toBe(languageService);
    expect(logged[0]).toContain("TypeScript 5.8.3");
  });
});
