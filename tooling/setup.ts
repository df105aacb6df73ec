// `adjoint setup`: connects a project to the transformer by the route that fits it.
//   a Vite or Vitest config      adjoint/vite added to its plugins (magicast keeps the file as written)
//   a Rollup or webpack config   adjoint/rollup or adjoint/webpack added the same way when the
//                                config is an ES module exporting an object; else the lines to add
//   esbuild                      the lines to add to the build script
//   none of these                the tsconfig route: the transformer in compilerOptions.plugins
//                                (jsonc-parser keeps comments and formatting) and a build script
//                                that runs it: tspc (ts-patch) on TypeScript 6.0, `adjoint build`
//                                on any other TypeScript (7 has no compiler API for ts-patch)
// What is missing is installed with the project's package manager. A second run finds
// everything in place and changes nothing.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { applyEdits, modify, parse, type FormattingOptions } from "jsonc-parser";
import ts from "typescript";
import type { Output } from "./build";

export const SETUP_HELP = `Usage: adjoint setup [--dry-run] [-p tsconfig.json]

Sets up adjoint in the project in the working directory, by the route that fits it:
  vite.config.* / vitest.config.*   adds adjoint() from "adjoint/vite" to the config's plugins
  rollup.config.* / webpack.config.*  adds adjoint() from "adjoint/rollup" / "adjoint/webpack"
                                    when the config is an ES module exporting an object; else
                                    prints the lines to add (as for esbuild)
  no bundler config                 adds { "transform": "adjoint/transform" } to the tsconfig's
                                    compilerOptions.plugins (keeping its comments) and a build
                                    script: tspc (ts-patch) with TypeScript 6.0, else
                                    \`adjoint build -p tsconfig.json\` (TypeScript 7 has no
                                    compiler API; adjoint brings TypeScript 6 for itself)
Installs what is missing (adjoint, ts-patch, typescript) with the package manager its
lockfile names (npm, pnpm, yarn or bun). Running it again changes nothing.

  --dry-run             print what it would change and install, change nothing
  -p, --project <path>  the tsconfig for the tsconfig route (default: tsconfig.json)

Exit status: 0 when set up (or nothing to do), 1 when a step failed, 2 for a usage error.
`;

export type PackageManager = "npm" | "pnpm" | "yarn" | "bun";

/** The package manager whose lockfile the project has; the packageManager field; else npm. */
export function detectPackageManager(dir: string): PackageManager {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  if (has("pnpm-lock.yaml")) return "pnpm";
  if (has("yarn.lock")) return "yarn";
  if (has("bun.lockb") || has("bun.lock")) return "bun";
  if (has("package-lock.json") || has("npm-shrinkwrap.json")) return "npm";
  const field = readJson(path.join(dir, "package.json"))?.packageManager;
  const named = typeof field === "string" ? field.split("@")[0] : undefined;
  return named === "pnpm" || named === "yarn" || named === "bun" ? named : "npm";
}

/** The command that adds `packages` to the project (as devDependencies when `dev`). */
export function installCommand(pm: PackageManager, packages: readonly string[], dev: boolean): string[] {
  const add = pm === "npm" ? ["install"] : ["add"];
  const devFlag = dev ? (pm === "npm" ? ["--save-dev"] : pm === "bun" ? ["--dev"] : ["-D"]) : [];
  return [pm, ...add, ...devFlag, ...packages];
}

/** `npm run build`, `pnpm build`, ... */
export function runScriptCommand(pm: PackageManager, script: string): string {
  return pm === "npm" || pm === "bun" ? `${pm} run ${script}` : `${pm} ${script}`;
}

export interface BuildTools {
  /** Vite and Vitest configs to add the plugin to (a Vitest config that imports the Vite config is left to it). */
  readonly vite: readonly string[];
  readonly rollup?: string;
  readonly webpack?: string;
  /** esbuild is a dependency, driven by a script of the project's own. */
  readonly esbuild: boolean;
  /** vite or vitest is a dependency but there is no config: one is created. */
  readonly viteWithoutConfig: boolean;
}

const CONFIG = (tool: string) => new RegExp(`^${tool}\\.config\\.(ts|mts|cts|js|mjs|cjs)$`);

export function detectBuildTools(dir: string): BuildTools {
  const files = fs.readdirSync(dir).sort();
  const viteConfig = files.find((f) => CONFIG("vite").test(f));
  const vitestConfig = files.find((f) => CONFIG("vitest").test(f));
  const vite: string[] = [];
  if (viteConfig) vite.push(viteConfig);
  // Vitest reads vitest.config.* instead of vite.config.*; one that merges the Vite config
  // already has its plugins, and a second adjoint() would transform the files twice.
  if (vitestConfig && !(viteConfig && /["']\.\/vite\.config(\.[cm]?[jt]s)?["']/.test(read(dir, vitestConfig))))
    vite.push(vitestConfig);
  const deps = dependencies(readJson(path.join(dir, "package.json")));
  return {
    vite,
    rollup: files.find((f) => CONFIG("rollup").test(f)),
    webpack: files.find((f) => CONFIG("webpack").test(f)),
    esbuild: "esbuild" in deps,
    viteWithoutConfig: vite.length === 0 && ("vite" in deps || "vitest" in deps),
  };
}

/** The transformer's entry in a tsconfig's plugins; `name` also loads the editor's plugin in TypeScript 6. */
export const TSCONFIG_ENTRY = { transform: "adjoint/transform", name: "adjoint/language-service" };

const hasTransform = (plugins: unknown): boolean =>
  Array.isArray(plugins) &&
  plugins.some((p) => p && typeof p === "object" && (p as { transform?: unknown }).transform === "adjoint/transform");

/**
 * Adds the transformer to a tsconfig's compilerOptions.plugins, keeping its comments and
 * formatting. `inherited`: the plugins the tsconfig gets from the config it extends, which a
 * plugins array of its own would replace (so they are copied into it). Unchanged when the
 * transformer is there already, here or inherited.
 */
export function addTransformPlugin(
  text: string,
  inherited: readonly unknown[] = [],
): { text: string; changed: boolean } {
  const config = parse(text, [], { allowTrailingComma: true }) ?? {};
  const own = config.compilerOptions?.plugins;
  if (hasTransform(own) || (own === undefined && hasTransform(inherited))) return { text, changed: false };
  const formattingOptions = formattingOf(text);
  const edits = Array.isArray(own)
    ? modify(text, ["compilerOptions", "plugins", -1], TSCONFIG_ENTRY, { formattingOptions, isArrayInsertion: true })
    : modify(text, ["compilerOptions", "plugins"], [...inherited, TSCONFIG_ENTRY], { formattingOptions });
  return { text: applyEdits(text, edits), changed: true };
}

/**
 * Sets package.json's build script to `command`, keeping its formatting. A script that
 * runs tsc gets `replaceTsc` in its place (tsc ignores transformer plugins); any other
 * script is left as it is, with a note.
 */
export function setBuildScript(
  text: string,
  command: string,
  replaceTsc: string,
): { text: string; changed: boolean; note?: string } {
  const pkg = parse(text, [], { allowTrailingComma: true }) ?? {};
  const current: unknown = pkg.scripts?.build;
  const formattingOptions = formattingOf(text);
  if (typeof current !== "string")
    return {
      text: applyEdits(text, modify(text, ["scripts", "build"], command, { formattingOptions })),
      changed: true,
    };
  const tsc = /(^|&&|\|\||;)(\s*)tsc(?=\s|$)/g;
  if (!tsc.test(current)) {
    const runs = command.split(" ")[0]!;
    return current.includes(runs) || current.includes(replaceTsc)
      ? { text, changed: false }
      : {
          text,
          changed: false,
          note: `package.json's build script is \`${current}\`: left as it is; compile TypeScript with \`${command}\`.`,
        };
  }
  if (replaceTsc.startsWith("adjoint") && /(^|\s)(-b|--build)(\s|$)/.test(current))
    return {
      text,
      changed: false,
      note: `package.json's build script runs \`tsc --build\`, which adjoint build does not do: build each project with \`${command}\`.`,
    };
  const script = current.replace(tsc, (_m, before: string, space: string) => `${before}${space}${replaceTsc}`);
  return { text: applyEdits(text, modify(text, ["scripts", "build"], script, { formattingOptions })), changed: true };
}

/** Indentation and line ends as the file has them. */
function formattingOf(text: string): FormattingOptions {
  const indent = /^([ \t]+)["/]/m.exec(text)?.[1] ?? "  ";
  return {
    insertSpaces: !indent.includes("\t"),
    tabSize: indent.includes("\t") ? 1 : indent.length,
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
}

/**
 * Adds `adjoint()` from `from` to the plugins of a config module that default-exports an
 * object, `defineConfig({...})`, or a variable holding one; magicast keeps the rest of the
 * file as written. `manual` when the config has another shape (a function, an array,
 * CommonJS): then the lines are printed for the user to add.
 */
export async function addPluginToConfig(
  code: string,
  from: string,
): Promise<{ code: string; changed: boolean } | { manual: string }> {
  const { parseModule, generateCode } = await import("magicast");
  const { addVitePlugin } = await import("magicast/helpers");
  let mod;
  try {
    mod = parseModule(code);
  } catch (e) {
    return { manual: `magicast could not parse it (${e instanceof Error ? e.message : e})` };
  }
  if (mod.imports.$items.some((i) => i.from === from)) return { code, changed: false };
  const exported = mod.exports.default as { $type?: string; $args?: { $type?: string }[] } | undefined;
  const shape = exported?.$type === "function-call" ? exported.$args?.[0]?.$type : exported?.$type;
  if (shape !== "object" && shape !== "identifier")
    return {
      manual: exported
        ? `its default export is not a config object (${shape ?? exported.$type})`
        : "it has no `export default`",
    };
  const taken = new Set(mod.imports.$items.map((i) => i.local));
  const local = ["adjoint", "adjointPlugin", "adjointTransform"].find(
    (n) => !taken.has(n) && !new RegExp(`\\b${n}\\b`).test(code),
  )!;
  try {
    // First: the files reach the other plugins (React's, Vue's, ...) with their gradients generated.
    addVitePlugin(mod, { from, constructor: local, index: 0 });
  } catch (e) {
    return { manual: `magicast could not edit it (${e instanceof Error ? e.message : e})` };
  }
  return { code: generateCode(mod).code, changed: true };
}

/** The lines a config of `tool` needs, for configs setup does not edit. */
export function manualLines(tool: "vite" | "rollup" | "webpack" | "esbuild", commonjs: boolean): string {
  const importLine = commonjs
    ? `const adjoint = require("adjoint/${tool}");`
    : `import adjoint from "adjoint/${tool}";`;
  const where =
    tool === "esbuild"
      ? "in the options of esbuild.build(...) or esbuild.context(...)"
      : tool === "webpack"
        ? "in the config (no TypeScript loader is needed for .ts files that adjoint/webpack emits)"
        : "in the config";
  return `    ${importLine}\n    plugins: [adjoint(), ...]   // ${where}`;
}

/** The project's TypeScript: the installed version, else the major and minor its package.json asks for. */
export function projectTypeScript(dir: string): { declared: boolean; version?: string; majorMinor?: string } {
  const spec = dependencies(readJson(path.join(dir, "package.json"))).typescript;
  let version: string | undefined;
  try {
    version = readJson(resolveFrom(dir, "typescript/package.json"))?.version;
  } catch {
    version = undefined;
  }
  if (spec === undefined) return { declared: false, version };
  const fromSpec = /(\d+)(?:\.(\d+|x|\*))?/.exec(spec.replace(/^npm:typescript@/, ""));
  const majorMinor = version
    ? version.split(".").slice(0, 2).join(".")
    : fromSpec
      ? `${fromSpec[1]}.${/^\d+$/.test(fromSpec[2] ?? "") ? fromSpec[2] : "x"}`
      : undefined;
  return { declared: true, version, majorMinor };
}

export interface SetupOptions {
  readonly cwd: string;
  readonly dryRun?: boolean;
  readonly project?: string;
}

type Step =
  | { kind: "write"; file: string; text: string; what: string }
  | { kind: "install"; command: string[] }
  | { kind: "manual"; what: string };

/** The specifiers setup installs: adjoint's own TypeScript line, and ts-patch 3.3 (which runs on Node 20). */
function typescriptSpec(): string {
  const own = readJson(path.join(__dirname, "../../package.json"))?.dependencies?.typescript;
  return `typescript@${typeof own === "string" ? own : "~6.0.3"}`;
}
const TS_PATCH = "ts-patch@~3.3.0";

export async function setup(options: SetupOptions, output: Output): Promise<number> {
  const dir = path.resolve(options.cwd);
  const pkgPath = path.join(dir, "package.json");
  if (!fs.existsSync(pkgPath)) {
    output.err(
      `adjoint setup: no package.json in ${dir}; run it in your project's folder (or \`npm init -y\` first).\n`,
    );
    return 1;
  }
  const pm = detectPackageManager(dir);
  const pkgText = fs.readFileSync(pkgPath, "utf8");
  const deps = dependencies(parse(pkgText, [], { allowTrailingComma: true }));
  const installed = (name: string) => name in deps || resolvable(name, dir);
  const tools = detectBuildTools(dir);
  const steps: Step[] = [];
  const notes: string[] = [];
  const runtime = installed("adjoint") ? [] : ["adjoint"];
  const devInstalls: string[] = [];
  const summary: string[] = [];

  const editConfig = async (file: string, tool: "vite" | "rollup" | "webpack") => {
    const text = read(dir, file);
    const result = await addPluginToConfig(text, `adjoint/${tool}`);
    if ("manual" in result) {
      const commonjs = /\bmodule\.exports\b|\brequire\(/.test(text) || file.endsWith(".cjs");
      steps.push({
        kind: "manual",
        what: `${file}: not edited, ${result.manual}; add:\n${manualLines(tool, commonjs)}`,
      });
    } else if (result.changed)
      steps.push({
        kind: "write",
        file,
        text: result.code,
        what: `add adjoint() from "adjoint/${tool}" to its plugins`,
      });
    else summary.push(`${file} already has adjoint/${tool}`);
  };

  const bundled = tools.vite.length > 0 || tools.viteWithoutConfig || tools.rollup || tools.webpack || tools.esbuild;
  for (const file of tools.vite) await editConfig(file, "vite");
  if (tools.viteWithoutConfig)
    steps.push({
      kind: "write",
      file: "vite.config.ts",
      text: `import { defineConfig } from "vite";\nimport adjoint from "adjoint/vite";\n\nexport default defineConfig({\n  plugins: [adjoint()],\n});\n`,
      what: `create it, with adjoint() from "adjoint/vite" in its plugins`,
    });
  if (tools.rollup) await editConfig(tools.rollup, "rollup");
  if (tools.webpack) await editConfig(tools.webpack, "webpack");
  if (tools.esbuild && !tools.vite.length && !tools.viteWithoutConfig)
    steps.push({ kind: "manual", what: `esbuild: add to your build script:\n${manualLines("esbuild", false)}` });

  let route = "";
  if (!bundled) {
    const tsconfigPath = path.resolve(dir, options.project ?? "tsconfig.json");
    const tsconfigName = path.relative(dir, tsconfigPath);
    if (!fs.existsSync(tsconfigPath)) {
      output.err(
        `adjoint setup: found no Vite, Vitest, Rollup, webpack or esbuild config, and no ${tsconfigName} for the tsconfig route. ` +
          "Create one (`npx tsc --init`) or pass -p <tsconfig.json>.\n",
      );
      return 1;
    }
    const typescript = projectTypeScript(dir);
    const tspc = typescript.declared ? typescript.majorMinor === "6.0" : true;
    if (!typescript.declared) devInstalls.push(typescriptSpec());
    if (tspc && !installed("ts-patch")) devInstalls.push(TS_PATCH);
    const command = tspc ? `tspc -p ${tsconfigName}` : `adjoint build -p ${tsconfigName}`;
    const which = typescript.declared
      ? `TypeScript ${typescript.version ?? typescript.majorMinor}`
      : `TypeScript (none yet: ${typescriptSpec()})`;
    route = tspc
      ? `${which}: tspc (ts-patch) runs the tsconfig's plugin`
      : `${which}: \`adjoint build\` compiles with adjoint's TypeScript 6` +
        (typescript.majorMinor?.startsWith("7") ? " (TypeScript 7 has no compiler API, which ts-patch needs)" : "");

    const tsconfigText = fs.readFileSync(tsconfigPath, "utf8");
    const tsconfig = addTransformPlugin(tsconfigText, inheritedPlugins(tsconfigPath));
    if (tsconfig.changed)
      steps.push({
        kind: "write",
        file: tsconfigName,
        text: tsconfig.text,
        what: `add ${JSON.stringify(TSCONFIG_ENTRY)} to compilerOptions.plugins`,
      });
    else summary.push(`${tsconfigName} already has the adjoint/transform plugin`);
    const script = setBuildScript(pkgText, command, command.replace(/ -p \S+$/, ""));
    if (script.changed) {
      const now = parse(script.text).scripts.build;
      steps.push({
        kind: "write",
        file: "package.json",
        text: script.text,
        what: `set scripts.build to ${JSON.stringify(now)}`,
      });
    } else if (script.note) notes.push(script.note);
    else summary.push(`the build script runs ${command.split(" ")[0]}`);
  }
  if (runtime.length > 0) steps.push({ kind: "install", command: installCommand(pm, runtime, false) });
  if (devInstalls.length > 0) steps.push({ kind: "install", command: installCommand(pm, devInstalls, true) });

  const tool = [
    ...tools.vite,
    ...(tools.viteWithoutConfig ? ["vite"] : []),
    tools.rollup,
    tools.webpack,
    tools.esbuild && "esbuild",
  ].filter(Boolean);
  output.out(`adjoint setup in ${dir}\n  package manager: ${pm}\n  build: ${bundled ? tool.join(", ") : route}\n`);
  const changes = steps.filter((s) => s.kind !== "manual");
  const manual = steps.filter((s) => s.kind === "manual");
  if (changes.length === 0) {
    for (const s of manual) output.out(`  ! ${s.what}\n`);
    for (const n of notes) output.out(`  ! ${n}\n`);
    const already = [...summary, ...(runtime.length === 0 ? ["adjoint is installed"] : [])].join("; ");
    output.out(
      manual.length > 0
        ? `Nothing for setup to change (${already}); add the lines above yourself.\n`
        : `Nothing to change: already set up (${already}).\n`,
    );
    return 0;
  }
  let failed = false;
  for (const step of steps) {
    if (step.kind === "manual") {
      output.out(`  ! ${step.what}\n`);
    } else if (step.kind === "write") {
      output.out(`  ${step.file}: ${options.dryRun ? `would ${step.what}` : pastTense(step.what)}\n`);
      if (!options.dryRun) fs.writeFileSync(path.join(dir, step.file), step.text);
    } else {
      output.out(`  ${options.dryRun ? "would run" : "running"}: ${step.command.join(" ")}\n`);
      if (!options.dryRun && !failed) {
        const r = spawnSync(step.command[0]!, step.command.slice(1), {
          cwd: dir,
          stdio: "inherit",
          shell: process.platform === "win32",
        });
        if (r.status !== 0) {
          output.err(
            `adjoint setup: \`${step.command.join(" ")}\` failed${r.error ? ` (${r.error.message})` : ""}; run it yourself.\n`,
          );
          failed = true;
        }
      }
    }
  }
  for (const n of notes) output.out(`  ! ${n}\n`);
  for (const s of summary) output.out(`  (${s})\n`);
  if (options.dryRun) output.out("Dry run: nothing was changed or installed.\n");
  else if (!failed)
    output.out(
      bundled
        ? "Done: the bundler now generates the gradients.\n"
        : `Done: build with \`${runScriptCommand(pm, "build")}\`.\n`,
    );
  return failed ? 1 : 0;
}

/** "add x" -> "added x", for the summary of what was done. */
const pastTense = (what: string) =>
  what.replace(/^(add|create|set)\b/, (v) => ({ add: "added", create: "created", set: "set" })[v]!);

/** The plugins a tsconfig inherits through `extends`, which an array of its own would replace. */
function inheritedPlugins(tsconfigPath: string): unknown[] {
  try {
    // The compiler API follows extends chains (to packages too) as tsc does.
    const config = ts.readConfigFile(tsconfigPath, ts.sys.readFile).config ?? {};
    if (config.compilerOptions?.plugins !== undefined || config.extends === undefined) return [];
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(tsconfigPath), undefined, tsconfigPath);
    return (parsed.options.plugins as unknown[] | undefined) ?? [];
  } catch {
    return [];
  }
}

function dependencies(pkg: unknown): Record<string, string> {
  const p = (pkg ?? {}) as Record<string, Record<string, string> | undefined>;
  return {
    ...p.peerDependencies,
    ...p.optionalDependencies,
    ...p.devDependencies,
    ...p.dependencies,
  };
}

function resolvable(name: string, dir: string): boolean {
  try {
    resolveFrom(dir, `${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Resolves `specifier` as a module in `dir` would. */
const resolveFrom = (dir: string, specifier: string) =>
  createRequire(path.join(dir, "package.json")).resolve(specifier);

function readJson(file: string): Record<string, any> | undefined {
  try {
    return parse(fs.readFileSync(file, "utf8"), [], { allowTrailingComma: true });
  } catch {
    return undefined;
  }
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");
