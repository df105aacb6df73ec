// `adjoint build`: tsc with the adjoint transformer, no ts-patch needed. It takes tsc's own
// command line (-p, --watch, --outDir, ...), compiles with adjoint's TypeScript 6 compiler
// API (so a project whose own typescript is 7, which has no compiler API, builds too), runs
// the transformer before TypeScript's own transforms, as ts-patch does for
// `{ "transform": "adjoint/transform" }`, and reports TypeScript's and adjoint's
// diagnostics together, at file:line:col.
import path from "node:path";
import ts from "typescript";
import { createAdjointTransform } from "../transformer";

/** Where a command writes: the CLI passes process.stdout and stderr, tests collect. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Colours and code frames as tsc prints them on a terminal. */
  readonly color: boolean;
}

export const processOutput = (): Output => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
});

export const BUILD_HELP = `Usage: adjoint build [-p tsconfig.json] [--watch] [tsc options...]

Compiles a TypeScript project as tsc does, with the adjoint transformer: the tsconfig's
"plugins" entry is not needed, nor ts-patch, nor a TypeScript with a compiler API (a
TypeScript 7 project builds with adjoint's own TypeScript 6). It takes tsc's options
(--outDir, --noEmit, --noEmitOnError, ...); files named on the command line are compiled
instead of a tsconfig, as with tsc.

  -p, --project <path>  the tsconfig.json, or a folder holding one (default: the nearest
                        tsconfig.json upwards from the working directory)
  -w, --watch           rebuild when a file changes
  --pretty [false]      colours and code frames (default: on a terminal)

Exit status: 0 when there is no error, 1 when TypeScript or adjoint reported one (the
output is still written unless noEmitOnError is set, as with tsc), 2 for a usage error.
`;

/** The transformer's module name in a tsconfig's plugins (ts-patch's "transform"). */
const TRANSFORM = "adjoint/transform";

export function build(args: readonly string[], cwd: string, output: Output): number | Promise<number> {
  const commandLine = ts.parseCommandLine(args.slice());
  const pretty = (commandLine.options.pretty as boolean | undefined) ?? output.color;
  const report = (diagnostics: readonly ts.Diagnostic[]) => output.out(formatDiagnostics(diagnostics, cwd, pretty));
  if (commandLine.errors.length > 0) {
    output.err(formatDiagnostics(commandLine.errors, cwd, false));
    output.err("Run `adjoint build --help` for the options.\n");
    return 2;
  }
  const modes = commandLine.options as Record<string, unknown>;
  const unsupported = args.some((a) => a === "-b" || a === "--build")
    ? "build"
    : ["showConfig", "init", "listFilesOnly", "generateTrace"].find((o) => modes[o] !== undefined);
  if (unsupported) {
    output.err(
      `adjoint build: --${unsupported} is a tsc mode that adjoint build does not have; it compiles one project.\n`,
    );
    return 2;
  }

  const { project, watch, ...extend } = commandLine.options;
  let configPath: string | undefined;
  if (commandLine.fileNames.length > 0 && project !== undefined) {
    output.err("adjoint build: name files or a project (-p), not both.\n");
    return 2;
  }
  if (commandLine.fileNames.length === 0) {
    const found = findProject(project, cwd);
    if (typeof found !== "string") {
      output.err(`adjoint build: ${found.error}\n`);
      return 2;
    }
    configPath = found;
  }

  if (watch) return startWatch(configPath, commandLine.fileNames, extend, cwd, output, report);

  let rootNames = commandLine.fileNames.map((f) => path.resolve(cwd, f));
  let options = extend;
  let projectReferences: readonly ts.ProjectReference[] | undefined;
  let configDiagnostics: ts.Diagnostic[] = [];
  if (configPath) {
    const parsed = parseConfig(configPath, extend, (d) => configDiagnostics.push(d));
    if (!parsed) {
      report(configDiagnostics);
      return 1;
    }
    rootNames = parsed.fileNames;
    options = parsed.options;
    projectReferences = parsed.projectReferences;
    configDiagnostics = [...configDiagnostics, ...ts.getConfigFileParsingDiagnostics(parsed)];
  }
  const otherPlugins = otherTransformPlugins(options);
  if (otherPlugins.length > 0)
    output.err(
      `adjoint build runs only the adjoint transformer; these tsconfig plugins are not run: ${otherPlugins.join(", ")} (tspc runs them all).\n`,
    );

  const program = ts.createProgram({
    rootNames,
    options,
    projectReferences,
    configFileParsingDiagnostics: configDiagnostics,
  });
  const { diagnostics, errors } = compile(program);
  report(diagnostics);
  if (errors > 0) output.out(`\nFound ${errors} error${errors === 1 ? "" : "s"}.\n`);
  return errors > 0 ? 1 : 0;
}

/** tsc's -p: a tsconfig file, or a folder holding tsconfig.json; without it, the nearest one upwards. */
export function findProject(project: string | undefined, cwd: string): string | { error: string } {
  if (project === undefined) {
    const found = ts.findConfigFile(cwd, ts.sys.fileExists);
    return found ? path.resolve(found) : { error: `no tsconfig.json in ${cwd} or above it; pass -p <tsconfig.json>.` };
  }
  const resolved = path.resolve(cwd, project);
  if (ts.sys.directoryExists(resolved)) {
    const inside = path.join(resolved, "tsconfig.json");
    return ts.sys.fileExists(inside) ? inside : { error: `no tsconfig.json in ${resolved}.` };
  }
  return ts.sys.fileExists(resolved) ? resolved : { error: `${project}: no such file.` };
}

/** The tsconfig as tsc reads it (extends, include, references); undefined when it cannot be read at all. */
export function parseConfig(
  configPath: string,
  extend: ts.CompilerOptions,
  onUnrecoverable: (d: ts.Diagnostic) => void,
): ts.ParsedCommandLine | undefined {
  return ts.getParsedCommandLineOfConfigFile(configPath, extend, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: onUnrecoverable,
  });
}

/**
 * Type-checks and emits `program` with the transformer, following tsc: diagnostics of the
 * options, syntax, then types (skipped after a syntax error), the transformer's, and the
 * emit's; nothing is written under noEmitOnError when any of them is an error.
 */
export function compile(program: ts.Program): { diagnostics: readonly ts.Diagnostic[]; errors: number } {
  const options = program.getCompilerOptions();
  const diagnostics: ts.Diagnostic[] = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
  ];
  if (!diagnostics.some(isError)) {
    diagnostics.push(...program.getSemanticDiagnostics());
    if (options.declaration || options.composite) diagnostics.push(...program.getDeclarationDiagnostics());
  }
  const transform = createAdjointTransform(program);
  diagnostics.push(...transform.diagnostics);
  if (!(options.noEmitOnError && diagnostics.some(isError))) {
    const before = transform.factory({ addDiagnostic: (d) => diagnostics.push(d) });
    // A typescript that `ts-patch install` patched applies the tsconfig's plugins in emit, and
    // would run the transformer a second time; its unpatched emit runs only this one.
    const patched = program as ts.Program & { originalEmit?: ts.Program["emit"] };
    const emit = (patched.originalEmit ?? program.emit).bind(program);
    diagnostics.push(...emit(undefined, undefined, undefined, false, { before: [before] }).diagnostics);
  }
  const sorted = ts.sortAndDeduplicateDiagnostics(diagnostics);
  return { diagnostics: sorted, errors: sorted.filter(isError).length };
}

const isError = (d: ts.Diagnostic) => d.category === ts.DiagnosticCategory.Error;

/** Transformer plugins in the tsconfig other than adjoint's: tspc would run them, adjoint build does not. */
function otherTransformPlugins(options: ts.CompilerOptions): string[] {
  const plugins = (options.plugins ?? []) as readonly { transform?: unknown }[];
  return plugins
    .map((p) => p.transform)
    .filter((t): t is string => typeof t === "string" && t !== TRANSFORM && !t.startsWith(`${TRANSFORM}/`));
}

/** tsc's output: `file:line:col - error TS...: message` with a code frame, coloured on a terminal. */
export function formatDiagnostics(diagnostics: readonly ts.Diagnostic[], cwd: string, color: boolean): string {
  if (diagnostics.length === 0) return "";
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => cwd,
    getNewLine: () => "\n",
  };
  const text = ts.formatDiagnosticsWithColorAndContext(diagnostics, host);
  // eslint-disable-next-line no-control-regex
  return color ? text : text.replace(/\x1b\[[0-9;]*m/g, "");
}

function startWatch(
  configPath: string | undefined,
  fileNames: readonly string[],
  extend: ts.CompilerOptions,
  cwd: string,
  output: Output,
  report: (diagnostics: readonly ts.Diagnostic[]) => void,
): Promise<number> {
  const system: ts.System = { ...ts.sys, getCurrentDirectory: () => cwd };
  const reportDiagnostic: ts.DiagnosticReporter = (d) => report([d]);
  const createProgram = ts.createSemanticDiagnosticsBuilderProgram;
  const host: ts.WatchCompilerHost<ts.SemanticDiagnosticsBuilderProgram> = configPath
    ? ts.createWatchCompilerHost(configPath, extend, system, createProgram, reportDiagnostic)
    : ts.createWatchCompilerHost(
        fileNames.map((f) => path.resolve(cwd, f)),
        extend,
        system,
        createProgram,
        reportDiagnostic,
      );
  const status = host.onWatchStatusChange;
  host.afterProgramCreate = (builder) => {
    // The whole program is emitted each time: a change in one module can change the
    // generated functions another module holds.
    const { diagnostics, errors } = compile(builder.getProgram());
    report(diagnostics);
    const message = `Found ${errors} error${errors === 1 ? "" : "s"}. Watching for file changes.`;
    const summary: ts.Diagnostic = {
      category: ts.DiagnosticCategory.Message,
      code: errors === 1 ? 6193 : 6194,
      messageText: message,
      file: undefined,
      start: undefined,
      length: undefined,
    };
    if (status) status(summary, ts.sys.newLine, builder.getCompilerOptions(), errors);
    else output.out(`${message}\n`);
  };
  if ("configFileName" in host)
    ts.createWatchProgram(host as ts.WatchCompilerHostOfConfigFile<ts.SemanticDiagnosticsBuilderProgram>);
  else
    ts.createWatchProgram(host as ts.WatchCompilerHostOfFilesAndCompilerOptions<ts.SemanticDiagnosticsBuilderProgram>);
  // Runs until the process is stopped.
  return new Promise<number>(() => {});
}
