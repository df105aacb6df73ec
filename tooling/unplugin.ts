// One plugin for every bundler, through unplugin: each TypeScript file the bundler loads
// goes through the adjoint transformer (tooling/compiler.ts), whose program and plan are
// kept between files. ADJ diagnostics fail the build with file:line:col.
import path from "node:path";
import ts from "typescript";
import { createUnplugin, type UnpluginContextMeta, type UnpluginOptions } from "unplugin";
import { AdjointCompiler, TYPESCRIPT_FILE } from "./compiler";

export interface AdjointPluginOptions {
  /** The tsconfig: a path, or a folder to search upwards from (default: the bundler's root, else the working directory). */
  readonly tsconfig?: string;
  /** Compiler options over the tsconfig's (the plugin always emits ES modules with source maps). */
  readonly compilerOptions?: ts.CompilerOptions;
}

/** Bundlers that cannot read TypeScript themselves get every `.ts` file emitted, not only the files adjoint changes. */
const NEEDS_JAVASCRIPT = new Set<UnpluginContextMeta["framework"]>(["rollup", "webpack"]);

export const unplugin = createUnplugin<AdjointPluginOptions | undefined, false>((options = {}, meta) => {
  let root: string | undefined;
  let compiler: AdjointCompiler | undefined;
  const compilerFor = (): AdjointCompiler => {
    compiler ??= new AdjointCompiler({
      tsconfig: options.tsconfig ? path.resolve(root ?? process.cwd(), options.tsconfig) : root,
      compilerOptions: options.compilerOptions,
    });
    return compiler;
  };
  const plugin: UnpluginOptions = {
    name: "adjoint",
    enforce: "pre",
    transform: {
      filter: { id: { include: TYPESCRIPT_FILE, exclude: [/\.d\.[cm]?ts$/, /[\\/]node_modules[\\/]/] } },
      handler(code, id) {
        const fileName = id.replace(/[?#].*$/, "");
        if (!TYPESCRIPT_FILE.test(fileName) || /\.d\.[cm]?ts$/.test(fileName)) return null;
        const result = compilerFor().transform(fileName, code, { emitUntouched: NEEDS_JAVASCRIPT.has(meta.framework) });
        const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
        if (errors.length > 0) {
          const first = errors[0]!;
          const at =
            first.file && first.start !== undefined ? first.file.getLineAndCharacterOfPosition(first.start) : undefined;
          this.error({
            id: fileName,
            message: errors.map(formatDiagnostic).join("\n"),
            loc: at && { file: fileName, line: at.line + 1, column: at.character },
          });
          return null;
        }
        return result.code === undefined ? null : { code: result.code, map: result.map };
      },
    },
    // Rollup and webpack resolve `./model` to a `.ts` file only when told; the project's own
    // TypeScript resolution tells them.
    resolveId(specifier, importer) {
      if (!NEEDS_JAVASCRIPT.has(meta.framework) || !importer || !/^\.\.?(\/|$)/.test(specifier)) return null;
      const from = importer.replace(/[?#].*$/, "");
      return TYPESCRIPT_FILE.test(from) ? (compilerFor().resolve(specifier, from) ?? null) : null;
    },
    watchChange(id, change) {
      if (!compiler) return;
      if (change.event === "delete") compiler.removed(id);
      else compiler.changed(id);
    },
    vite: {
      // The dev server pre-bundles dependencies it finds in the sources; adjoint/internal is
      // imported only by generated code, and found late it would reload the page.
      config: () => ({ optimizeDeps: { include: ["adjoint", "adjoint/internal"] } }),
      configResolved(config) {
        root = config.root;
      },
    },
  };
  return plugin;
});

/** `file:line:col - ADJ201: message`, the way tsc prints a location. */
export function formatDiagnostic(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${d.file.fileName}:${line + 1}:${character + 1} - ${text}`;
}
