// Compiles programs in memory through the transformer and runs them, the way `tspc`
// would, but without touching the disk. Library files are parsed once and shared across
// programs to keep the suite fast.
import path from "node:path";
import ts from "typescript";
import * as runtime from "../runtime";
import * as runtimeInternal from "../runtime/internal";
import adjointTransformer from "../transformer";

const ROOT = path.resolve(__dirname, "..");
const SRC = "/virtual/src";

const sharedFiles = new Map<string, ts.SourceFile | undefined>();

export interface CompileResult {
  /** Emitted JavaScript by source file name (main.ts -> its JS). */
  readonly js: Record<string, string>;
  /** The source map of each, with `sourceMap: true` (main.ts -> its .js.map). */
  readonly maps: Record<string, string>;
  readonly diagnostics: readonly ts.Diagnostic[];
  /** Diagnostics from the transformer as `ADJ123@line` strings, line 1-based. */
  readonly codes: string[];
  /** Type errors of the source program itself (a test program should have none). */
  readonly typeErrors: string[];
  /** Runs main.ts (or the named module) and returns its exports. */
  run(name?: string): Record<string, any>;
}

export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  ignoreDeprecations: "6.0",
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  types: [],
  lib: ["lib.es2022.d.ts"],
  paths: { adjoint: [path.join(ROOT, "dist/runtime/index.d.ts")] },
};

/** Compiles `files` (name -> source; the entry point is main.ts) through the adjoint transformer. */
export function compile(files: string | Record<string, string>, options: ts.CompilerOptions = {}): CompileResult {
  const sources = typeof files === "string" ? { "main.ts": files } : files;
  const opts = { ...compilerOptions, ...options };
  const host = ts.createCompilerHost(opts);
  const virtual = new Map(Object.entries(sources).map(([name, text]) => [path.posix.join(SRC, name), text]));
  const originalGetSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = virtual.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    const key = `${fileName}|${JSON.stringify(languageVersion)}`;
    if (!sharedFiles.has(key))
      sharedFiles.set(key, originalGetSourceFile(fileName, languageVersion, onError, shouldCreate));
    return sharedFiles.get(key);
  };
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  host.readFile = (f) => virtual.get(f) ?? readFile(f);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) => d === SRC || SRC.startsWith(d + "/") || (directoryExists ? directoryExists(d) : true);
  const js: Record<string, string> = {};
  const maps: Record<string, string> = {};
  host.writeFile = (fileName, text, _bom, _onError, sourceFiles) => {
    const source = sourceFiles?.[0]?.fileName;
    if (!source || !virtual.has(source)) return;
    if (fileName.endsWith(".js")) js[path.posix.relative(SRC, source)] = text;
    if (fileName.endsWith(".js.map")) maps[path.posix.relative(SRC, source)] = text;
  };

  const program = ts.createProgram({
    rootNames: [...virtual.keys()],
    options: { ...opts, outDir: "/virtual/out" },
    host,
  });
  const diagnostics: ts.Diagnostic[] = [];
  const typeErrors = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && virtual.has(d.file.fileName))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  const factory = adjointTransformer(program, {}, { addDiagnostic: (d) => diagnostics.push(d) });
  program.emit(undefined, undefined, undefined, false, { before: [factory] });

  const codes = diagnostics.map((d) => {
    const code = /^(ADJ\d+)/.exec(ts.flattenDiagnosticMessageText(d.messageText, "\n"))?.[1] ?? `TS${d.code}`;
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${code}@${line}`;
  });

  let runnable: Record<string, string> | undefined;
  return {
    js,
    maps,
    diagnostics,
    codes,
    typeErrors,
    run: (name = "main.ts") => load(name, (runnable ??= asCommonJS(js, opts)), new Map()),
  };
}

/** ES module output, converted to CommonJS so that `load` runs exactly the code that was emitted. */
function asCommonJS(js: Record<string, string>, options: ts.CompilerOptions): Record<string, string> {
  if (options.module === ts.ModuleKind.CommonJS) return js;
  const commonJS = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const convert = (code: string) =>
    ts.transpileModule(code, { fileName: "module.js", compilerOptions: commonJS }).outputText;
  return Object.fromEntries(Object.entries(js).map(([name, code]) => [name, convert(code)]));
}

function load(name: string, js: Record<string, string>, cache: Map<string, Record<string, any>>): Record<string, any> {
  const cached = cache.get(name);
  if (cached) return cached;
  const code = js[name];
  if (code === undefined) throw new Error(`no emitted module ${name}`);
  const module = { exports: {} as Record<string, any> };
  cache.set(name, module.exports);
  const require = (spec: string): unknown => {
    if (spec === "adjoint") return runtime;
    if (spec === "adjoint/internal") return runtimeInternal;
    if (spec.startsWith("./")) return load(path.posix.normalize(spec.slice(2)) + ".ts", js, cache);
    throw new Error(`unexpected import ${spec}`);
  };
  new Function("exports", "require", "module", code)(module.exports, require, module);
  return module.exports;
}

/** Central finite difference of a scalar function of one of its arguments, in float64. */
export function finiteDifference(f: (...args: number[]) => number, args: number[], i: number, h = 1e-6): number {
  const plus = [...args];
  const minus = [...args];
  plus[i]! += h;
  minus[i]! -= h;
  return (f(...plus) - f(...minus)) / (2 * h);
}

/** Relative closeness with an absolute floor, for comparing gradients with finite differences. */
export function expectClose(actual: number, expected: number, tolerance = 1e-6): void {
  const scale = Math.max(1, Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tolerance * scale) && !(Number.isNaN(actual) && Number.isNaN(expected))) {
    throw new Error(`expected ${actual} to be close to ${expected} (tolerance ${tolerance} relative)`);
  }
}
