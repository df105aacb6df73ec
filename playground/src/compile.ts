// The in-browser compile: what tooling/compiler.ts does for the bundler plugins, over an
// in-memory host instead of the file system. The user's file is /main.ts; the TypeScript
// libraries (the ES2022 set, no DOM) and the runtime's declaration files (dist/esm) are
// bundled into the page as strings. Library and runtime source files are parsed once and
// reused by every program, so a keystroke costs a parse of main.ts, the transformer's plan
// (which type-checks what it differentiates) and one emit.
import ts from "typescript";
import { createAdjointTransform } from "../../transformer";

const libs = import.meta.glob<string>(
  [
    "../../node_modules/typescript/lib/lib.es5.d.ts",
    "../../node_modules/typescript/lib/lib.es20{15,16,17,18,19,20,21,22}*.d.ts",
    "../../node_modules/typescript/lib/lib.decorators*.d.ts",
    "!**/*.full.d.ts",
  ],
  { query: "?raw", import: "default", eager: true },
);
const runtimeTypes = import.meta.glob<string>("../../dist/esm/**/*.d.ts", {
  query: "?raw",
  import: "default",
  eager: true,
});

/** Every file but main.ts, by absolute in-memory path. */
const files = new Map<string, string>();
for (const [path, text] of Object.entries(libs)) files.set("/lib/" + path.split("/").pop(), text);
for (const [path, text] of Object.entries(runtimeTypes))
  files.set("/node_modules/adjoint/dist/esm/" + path.split("/dist/esm/")[1], text);
files.set(
  "/node_modules/adjoint/package.json",
  JSON.stringify({
    name: "adjoint",
    type: "module",
    exports: {
      ".": { types: "./dist/esm/index.d.ts" },
      "./internal": { types: "./dist/esm/internal/index.d.ts" },
    },
  }),
);

export const MAIN = "/main.ts";
/** What a page offers every program without lib.dom: console, timers. */
const GLOBALS = "/globals.d.ts";
files.set(
  GLOBALS,
  `declare var console: { log(...data: any[]): void; warn(...data: any[]): void; error(...data: any[]): void };
declare function setTimeout(handler: (...args: any[]) => void, timeout?: number): number;
declare function clearTimeout(id: number | undefined): void;
`,
);

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts"],
  types: [],
  strict: true,
  skipLibCheck: true,
  noEmitOnError: false,
  newLine: ts.NewLineKind.LineFeed,
};

/** Parsed once: the libraries and the runtime's declarations never change. */
const parsed = new Map<string, ts.SourceFile>();

export interface Diagnostic {
  readonly from: number;
  readonly to: number;
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly severity: "error" | "warning";
}

export interface CompileResult {
  /** The emitted JavaScript of main.ts (unformatted), with adjoint's generated functions. */
  readonly js: string;
  /** ADJ diagnostics (errors) and TypeScript's own (warnings: the code still runs). */
  readonly diagnostics: Diagnostic[];
  readonly ms: number;
  /** Where the time went (ms): the program, adjoint's plan, the emit, TypeScript's diagnostics. */
  readonly phases: { program: number; plan: number; emit: number; diagnostics: number };
}

let previous: ts.Program | undefined;

export function compile(source: string): CompileResult {
  const start = performance.now();
  const main = ts.createSourceFile(MAIN, source, ts.ScriptTarget.ES2022, true);
  const host: ts.CompilerHost = {
    getSourceFile(name, languageVersion) {
      if (name === MAIN) return main;
      let file = parsed.get(name);
      const text = files.get(name);
      if (!file && text !== undefined) {
        file = ts.createSourceFile(name, text, languageVersion, true);
        parsed.set(name, file);
      }
      return file;
    },
    getDefaultLibFileName: () => "/lib/lib.es2022.d.ts",
    getDefaultLibLocation: () => "/lib",
    writeFile: () => {},
    getCurrentDirectory: () => "/",
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (f) => f === MAIN || files.has(f),
    readFile: (f) => (f === MAIN ? source : files.get(f)),
    directoryExists: (d) => {
      const prefix = d.endsWith("/") ? d : d + "/";
      for (const f of files.keys()) if (f.startsWith(prefix)) return true;
      return false;
    },
    getDirectories: () => [],
  };
  const program = ts.createProgram({ rootNames: [MAIN, GLOBALS], options: OPTIONS, host, oldProgram: previous });
  previous = program;
  const t1 = performance.now();
  const file = program.getSourceFile(MAIN)!;
  const transform = createAdjointTransform(program);
  const t2 = performance.now();
  const adj: ts.Diagnostic[] = transform.diagnostics.filter((d) => d.file?.fileName === MAIN);
  let js = "";
  program.emit(
    file,
    (name, text) => {
      if (name.endsWith(".js")) js = text;
    },
    undefined,
    false,
    { before: [transform.factory({ addDiagnostic: (d) => adj.push(d) })] },
  );
  const t3 = performance.now();
  const own = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  const diagnostics = [
    ...adj.map((d) => convert(d, "error")),
    ...own.filter((d) => !adj.includes(d)).map((d) => convert(d, "warning")),
  ];
  const end = performance.now();
  const phases = { program: t1 - start, plan: t2 - t1, emit: t3 - t2, diagnostics: end - t3 };
  return { js, diagnostics, ms: end - start, phases };
}

function convert(d: ts.Diagnostic, severity: Diagnostic["severity"]): Diagnostic {
  const from = d.start ?? 0;
  const to = from + (d.length ?? 0);
  const line = d.file ? d.file.getLineAndCharacterOfPosition(from).line + 1 : 0;
  // Ours carry 990000 + the number (ADJ201 is 990201) and the source "adjoint".
  const code = d.source === "adjoint" ? `ADJ${d.code - 990000}` : `TS${d.code}`;
  return { from, to, line, code, message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), severity };
}
