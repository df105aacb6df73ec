// Runs the transformed module in the page. The emitted code imports "adjoint" (the markers it
// did not rewrite, stopGradient, tensors...) and "adjoint/internal" (what generated code
// calls). The runtime is bundled with the page and put on globalThis; each specifier becomes
// a blob module re-exporting its names, enumerated from the module namespace, and the user's
// module is itself imported from a blob. console.log is captured while the module evaluates.
import * as adjoint from "../../dist/esm/index.js";
import * as internal from "../../dist/esm/internal/index.js";

const host = globalThis as unknown as Record<string, unknown>;
host.__adjoint = adjoint;
host.__adjointInternal = internal;

function reexport(global: string, namespace: object): string {
  const names = Object.keys(namespace).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  const url = URL.createObjectURL(
    new Blob([`export const { ${names.join(", ")} } = globalThis.${global};\n`], { type: "text/javascript" }),
  );
  return url;
}

const modules: Record<string, string> = {
  adjoint: reexport("__adjoint", adjoint),
  "adjoint/internal": reexport("__adjointInternal", internal),
};

/** The module's `plot` export: curves of one number over an interval (the presets' convention). */
export interface PlotSpec {
  readonly x?: readonly [number, number];
  readonly curves: Record<string, (x: number) => number>;
}

export interface RunResult {
  readonly logs: string[];
  readonly error?: string;
  readonly plot?: PlotSpec;
}

export function format(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value && typeof value === "object" && "toString" in value && value.toString !== Object.prototype.toString)
    return String(value);
  try {
    return JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));
  } catch {
    return String(value);
  }
}

export async function run(js: string): Promise<RunResult> {
  const code = js.replace(
    /(\bfrom\s*|\bimport\s*)(["'])(adjoint(?:\/internal)?)\2/g,
    (whole, kw: string, _q, spec: string) => (modules[spec] ? `${kw}"${modules[spec]}"` : whole),
  );
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const logs: string[] = [];
  const original = { log: console.log, warn: console.warn, error: console.error };
  const capture =
    (prefix: string) =>
    (...args: unknown[]) =>
      logs.push(prefix + args.map(format).join(" "));
  console.log = capture("");
  console.warn = capture("warning: ");
  console.error = capture("error: ");
  try {
    const module = (await import(/* @vite-ignore */ url)) as { plot?: PlotSpec };
    return { logs, plot: module.plot };
  } catch (e) {
    return { logs, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  } finally {
    Object.assign(console, original);
    URL.revokeObjectURL(url);
  }
}
