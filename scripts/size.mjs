// `npm run size`: what an application pays for the runtime. Each program below is compiled the way
// a user's build compiles it (TypeScript with the adjoint transformer of dist/transformer, as ES
// modules), then bundled by esbuild against the published package (node_modules/adjoint, whose
// "exports" map sends `import` to dist/esm), minified, for the browser; the bytes of the bundle
// minified and gzipped (level 9) are printed as a markdown table. Needs `npm run build` first.
// The programs live in a temporary project whose node_modules/adjoint links to this repository, so
// that TypeScript and esbuild both resolve "adjoint" as in a user's project.
//
//   node scripts/size.mjs [--json out.json] [--show name]   (--show prints that program's bundle, unminified)
import { createRequire } from "node:module";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import ts from "typescript";

const root = path.join(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const adjointTransformer = require(path.join(root, "dist/transformer/index.js")).default;

/** name -> [what it shows, its TypeScript source]. */
export const PROGRAMS = {
  "tensor only": [
    "imports `tensor` alone from `adjoint` and prints a tensor",
    `import { tensor } from "adjoint";
console.log(tensor([1, 2, 3]).toString());
`,
  ],
  "grad on numbers": [
    "`grad` of a function of two numbers (`Math.sin`, `Math.exp`, `**`), after the transformer",
    `import { grad } from "adjoint";
const f = (x: number, y: number) => Math.sin(x) * y ** 2 + Math.exp(x * y);
const df = grad(f, { wrt: [0, 1] });
console.log(df(0.5, 1.5));
`,
  ],
  "grad of a tensor loss": [
    "`valueAndGrad` of a one-layer tanh network's mean squared error (`matmul`, `tanh`, `mean`), after the transformer",
    `import { matmul, mean, square, sub, tanh, tensor, valueAndGrad, type Tensor } from "adjoint";
const loss = (w: Tensor, x: Tensor, y: Tensor) => mean(square(sub(tanh(matmul(x, w)), y)));
const step = valueAndGrad(loss);
const { value, grad } = step(tensor([[0.1], [0.2]]), tensor([[1, 2], [3, 4]]), tensor([[0.5], [0.25]]));
console.log(value.toString(), grad.toString());
`,
  ],
  "whole runtime": [
    '`import * as adjoint from "adjoint"` and `"adjoint/internal"`, every export kept',
    `import * as adjoint from "adjoint";
import * as internal from "adjoint/internal";
console.log(Object.keys(adjoint).length + Object.keys(internal).length);
`,
  ],
};

/** A temporary project that depends on this package; remove it with rmSync(dir, { recursive: true }). */
export function consumer() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-size-"));
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(root, path.join(dir, "node_modules", "adjoint"), "dir");
  return dir;
}

/** The program's JavaScript as the user's build emits it in project `dir`: ES modules, through the transformer. */
export function compile(dir, name, source) {
  // Never written: the host serves it.
  const file = path.join(dir, "main.ts");
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    types: [],
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    noEmitOnError: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, ...rest) =>
    f === file ? ts.createSourceFile(f, source, ts.ScriptTarget.ES2022, true) : getSourceFile(f, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => f === file || fileExists(f);
  let js;
  host.writeFile = (f, text) => {
    if (f.endsWith(".js")) js = text;
  };
  const program = ts.createProgram({ rootNames: [file], options: { ...options, outDir: path.join(dir, "out") }, host });
  const diagnostics = [...ts.getPreEmitDiagnostics(program)];
  const factory = adjointTransformer(program, {}, { addDiagnostic: (d) => diagnostics.push(d) });
  program.emit(undefined, undefined, undefined, false, { before: [factory] });
  if (diagnostics.length > 0 || js === undefined) {
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => dir,
      getNewLine: () => "\n",
    });
    throw new Error(`size: "${name}" did not compile:\n${text}`);
  }
  return js;
}

/** The program's bundle in project `dir` against the ESM runtime: { code, bytes, gzip }. */
export async function bundle(dir, js, { minify = true } = {}) {
  const result = await esbuild.build({
    stdin: { contents: js, sourcefile: "main.js", resolveDir: dir, loader: "js" },
    bundle: true,
    minify,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { code: Buffer.from(code).toString("utf8"), bytes: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const dir = consumer();
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const show = args.includes("--show") ? args[args.indexOf("--show") + 1] : undefined;
  if (show !== undefined) {
    const entry = PROGRAMS[show];
    if (!entry) throw new Error(`size: no program "${show}" (${Object.keys(PROGRAMS).join(", ")})`);
    process.stdout.write((await bundle(dir, compile(dir, show, entry[1]), { minify: false })).code);
    process.exit(0);
  }
  const rows = [];
  for (const [name, [what, source]] of Object.entries(PROGRAMS)) {
    const { bytes, gzip } = await bundle(dir, compile(dir, name, source));
    rows.push({ name, what, bytes, gzip });
  }
  const kB = (n) => (n / 1000).toFixed(1);
  console.log(
    `esbuild ${esbuild.version}, TypeScript ${ts.version}, Node ${process.version}; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}\n`,
  );
  console.log("| program | minified | gzipped |\n|---|---:|---:|");
  for (const r of rows) console.log(`| ${r.name}: ${r.what} | ${kB(r.bytes)} kB | ${kB(r.gzip)} kB |`);
  if (args.includes("--json")) writeFileSync(args[args.indexOf("--json") + 1], JSON.stringify(rows, null, 2) + "\n");
}
