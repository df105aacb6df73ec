// The transformer for hosts that hand over one file at a time (the bundler plugins): a
// TypeScript 6 language service over the project's tsconfig, kept between files, so the
// program and its plan are built once and rebuilt incrementally when a file changes.
// Each touched file is emitted alone, as an ES module with its source map.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { createAdjointTransform, type AdjointTransform } from "../transformer";

export interface CompilerOptions {
  /** The tsconfig to read: a path, or the folder to search upwards from (default: the working directory). */
  readonly tsconfig?: string;
  /** Compiler options over the tsconfig's. */
  readonly compilerOptions?: ts.CompilerOptions;
}

export interface FileResult {
  /** The emitted JavaScript, or undefined when the transformation does not change the file. */
  readonly code?: string;
  /** Its source map (JSON), sources pointing at the file with its content inlined. */
  readonly map?: string;
  /** ADJ diagnostics located in this file. */
  readonly diagnostics: readonly ts.Diagnostic[];
}

/** A file's extension the compiler takes, declaration files aside. */
export const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

export class AdjointCompiler {
  private readonly options: ts.CompilerOptions;
  private readonly roots: Set<string>;
  /** Text given by the host (the bundler), by normalized file name. */
  private readonly texts = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  private projectVersion = 0;
  private readonly service: ts.LanguageService;
  private last?: { program: ts.Program; transform: AdjointTransform };
  /** Options the tsconfig could not give, reported once. */
  readonly configDiagnostics: readonly ts.Diagnostic[];

  constructor(options: CompilerOptions = {}) {
    const { fileNames, compilerOptions, diagnostics } = readConfig(options.tsconfig);
    this.configDiagnostics = diagnostics;
    this.options = { ...compilerOptions, ...options.compilerOptions, ...EMIT_OPTIONS };
    this.roots = new Set(fileNames.map(normalize));
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [...this.roots],
      getProjectVersion: () => String(this.projectVersion),
      getScriptVersion: (f) => String(this.versions.get(normalize(f)) ?? 0),
      getScriptSnapshot: (f) => {
        const text = this.texts.get(normalize(f)) ?? ts.sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => process.cwd(),
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.texts.has(normalize(f)) || ts.sys.fileExists(f),
      readFile: (f, encoding) => this.texts.get(normalize(f)) ?? ts.sys.readFile(f, encoding),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /**
   * Transforms one file whose current text is `text`. A file outside the tsconfig joins
   * the program when it mentions adjoint (a test file Vitest runs, say); one that does not
   * cannot ask for a derivative, and is left to the host.
   */
  transform(fileName: string, text: string, options: { emitUntouched?: boolean } = {}): FileResult {
    const name = normalize(fileName);
    if (!this.roots.has(name)) {
      if (!text.includes("adjoint") && !this.program().getSourceFile(name))
        return options.emitUntouched
          ? { ...transpile(fileName, text, this.options), diagnostics: [] }
          : { diagnostics: [] };
      this.roots.add(name);
      this.projectVersion++;
    }
    if (this.texts.get(name) !== text) {
      const onDisk = !this.texts.has(name) && ts.sys.readFile(name) === text;
      this.texts.set(name, text);
      if (!onDisk) this.bump(name);
    }
    const program = this.program();
    const file = program.getSourceFile(name);
    if (!file) return { diagnostics: [] };
    const transform = this.transformOf(program);
    const diagnostics = transform.diagnostics.filter((d) => d.file?.fileName === file.fileName);
    const touched = transform.touches(file);
    if (!touched && !options.emitUntouched) return { diagnostics };
    let code: string | undefined;
    let map: string | undefined;
    const emitted = program.emit(
      file,
      (out, data) => {
        if (out.endsWith(".map")) map = data;
        else if (/\.[cm]?js$/.test(out)) code = data;
      },
      undefined,
      false,
      touched ? { before: [transform.factory({ addDiagnostic: (d) => diagnostics.push(d) })] } : undefined,
    );
    if (emitted.emitSkipped || code === undefined) return { diagnostics };
    return { ...hostOutput(fileName, text, code, map), diagnostics };
  }

  /** The host saw `fileName` change on disk (watch mode): read it again. */
  changed(fileName: string): void {
    const name = normalize(fileName);
    this.texts.delete(name);
    this.bump(name);
  }

  /** The host saw `fileName` removed or renamed. */
  removed(fileName: string): void {
    const name = normalize(fileName);
    this.texts.delete(name);
    this.roots.delete(name);
    this.bump(name);
  }

  private bump(name: string): void {
    this.versions.set(name, (this.versions.get(name) ?? 0) + 1);
    this.projectVersion++;
  }

  /** Resolves an import the way the project's TypeScript does, for hosts that cannot find `.ts` files. */
  resolve(specifier: string, importer: string): string | undefined {
    const resolved = ts.resolveModuleName(specifier, normalize(importer), this.options, ts.sys).resolvedModule;
    return resolved && !resolved.isExternalLibraryImport && !resolved.resolvedFileName.endsWith(".d.ts")
      ? resolved.resolvedFileName
      : undefined;
  }

  program(): ts.Program {
    const program = this.service.getProgram();
    if (!program) throw new Error("adjoint: the TypeScript language service gave no program");
    return program;
  }

  /** The plan is the program's: built once per program, whichever file asks first. */
  private transformOf(program: ts.Program): AdjointTransform {
    if (this.last?.program !== program) this.last = { program, transform: createAdjointTransform(program) };
    return this.last.transform;
  }

  dispose(): void {
    this.service.dispose();
  }
}

/**
 * What the bundler needs whatever the tsconfig says: an ES module it can resolve and
 * bundle itself, with a source map, and nothing written to disk.
 */
const EMIT_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  noEmit: false,
  noEmitOnError: false,
  emitDeclarationOnly: false,
  declaration: false,
  declarationMap: false,
  composite: false,
  incremental: false,
  sourceMap: true,
  inlineSourceMap: false,
  inlineSources: true,
  outDir: undefined,
  outFile: undefined,
  allowImportingTsExtensions: true,
  rewriteRelativeImportExtensions: false,
};

/** A file the program does not hold, emitted alone (for bundlers that cannot read TypeScript). */
function transpile(fileName: string, text: string, options: ts.CompilerOptions): { code: string; map?: string } {
  const out = ts.transpileModule(text, { fileName, compilerOptions: options });
  return hostOutput(fileName, text, out.outputText, out.sourceMapText);
}

/** The code without its sourceMappingURL comment, and a map that names the file as the host knows it, its text inlined. */
function hostOutput(
  fileName: string,
  text: string,
  code: string,
  map: string | undefined,
): { code: string; map?: string } {
  const parsed = map === undefined ? undefined : JSON.parse(map);
  if (parsed) {
    parsed.sources = [fileName];
    parsed.sourcesContent = [text];
    delete parsed.sourceRoot;
  }
  return { code: code.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n"), map: parsed && JSON.stringify(parsed) };
}

function readConfig(at: string | undefined): {
  fileNames: string[];
  compilerOptions: ts.CompilerOptions;
  diagnostics: ts.Diagnostic[];
} {
  const start = path.resolve(at ?? process.cwd());
  const configPath =
    fs.existsSync(start) && fs.statSync(start).isFile()
      ? start
      : ts.findConfigFile(start, ts.sys.fileExists, "tsconfig.json");
  if (!configPath)
    return { fileNames: [], compilerOptions: { target: ts.ScriptTarget.ES2022, strict: true }, diagnostics: [] };
  const diagnostics: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => diagnostics.push(d),
  });
  if (!parsed) return { fileNames: [], compilerOptions: {}, diagnostics };
  // A solution-style tsconfig (Vite's templates: no files of its own, references to
  // tsconfig.app.json and tsconfig.node.json): one program over the referenced projects'
  // files, with the options of the first that has any (the app's).
  if (parsed.fileNames.length === 0 && parsed.projectReferences?.length) {
    const referenced = parsed.projectReferences
      .map((ref) => readConfig(ts.resolveProjectReferencePath(ref)))
      .filter((r) => r.fileNames.length > 0);
    if (referenced.length > 0)
      return {
        fileNames: [...new Set(referenced.flatMap((r) => r.fileNames))],
        compilerOptions: referenced[0]!.compilerOptions,
        diagnostics: [...diagnostics, ...parsed.errors, ...referenced.flatMap((r) => r.diagnostics)],
      };
  }
  return {
    fileNames: parsed.fileNames,
    compilerOptions: parsed.options,
    diagnostics: [...diagnostics, ...parsed.errors],
  };
}

function normalize(fileName: string): string {
  return path.resolve(fileName).split(path.sep).join("/");
}
