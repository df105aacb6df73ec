// The kernel table (runtime/ops/kernels.ts) and what scripts/gen-kernels.mjs makes of it: the
// checked-in runtime/ops/kernels.generated.ts and runtime/ops/elementwise-ops.generated.ts are what
// the generator gives today, every kernel's array loops agree bit for bit with its scalar
// function on every path, every public kernel reaches both entries, and the generator
// rejects entries it cannot compile.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { KERNELS, type KernelSpec } from "../../runtime/ops/kernels";
import * as generated from "../../runtime/ops/kernels.generated";
import type { BinaryKernel, UnaryKernel } from "../../runtime/ops/elementwise";
import * as runtime from "../../runtime";
import * as internal from "../../runtime/internal";
import * as ops from "../../runtime/ops";
import { tensor } from "../../runtime/tensor";

const root = path.resolve(__dirname, "../..");
const generatedPaths = {
  kernels: path.join(root, "runtime/ops/kernels.generated.ts"),
  functions: path.join(root, "runtime/ops/elementwise-ops.generated.ts"),
};

type Generate = (table: Record<string, KernelSpec>) => Promise<Record<keyof typeof generatedPaths, string>>;
async function generator(): Promise<Generate> {
  const script = pathToFileURL(path.join(root, "scripts/gen-kernels.mjs")).href;
  return ((await import(script)) as { generateKernels: Generate }).generateKernels;
}

const kernelObject = (name: string): unknown =>
  (generated as Record<string, unknown>)[name.replace(/[A-Z]/g, "_$&").toUpperCase()];

const SPECIALS = [0, -0, 1, -1, 0.5, -2.5, 3, 1e-9, -1e-9, 88, -88, 710, -710, 1e300, NaN, Infinity, -Infinity];

describe("kernel table", () => {
  it("the generated files are up to date with the table (run `npm run gen:kernels`)", async () => {
    const generate = await generator();
    const texts = await generate(KERNELS);
    for (const [key, file] of Object.entries(generatedPaths) as [keyof typeof generatedPaths, string][])
      expect(texts[key], path.relative(root, file)).toBe(readFileSync(file, "utf8"));
  });

  it("one entry gives a kernel and, in a module of their own, its tagged public function", async () => {
    const generate = await generator();
    const { kernels, functions } = await generate({
      ...KERNELS,
      cbrt: { arity: 1, expr: "Math.cbrt(a)", doc: "The cube root." },
    });
    expect(kernels).toContain("export const CBRT: UnaryKernel = {");
    expect(kernels).toContain("for (let i = 0; i < n; i++) o[i] = Math.cbrt(x[i]);");
    expect(kernels).not.toContain("export function");
    expect(functions).toMatch(
      / \* The cube root\.\n \* @adjointPrimitive cbrt\n \*\/\nexport function cbrt\(x: number\): number;/,
    );
    // Everything the functions' module exports is a public function: ops.ts re-exports it whole.
    expect(functions.match(/^export (?!function )/gm)).toBeNull();
  });

  it("the generator rejects an entry it cannot compile, naming it", async () => {
    const generate = await generator();
    await expect(generate({ bad: { arity: 1, expr: "Math.exp(c)" } })).rejects.toThrow(/kernel bad: expr reads c/);
    await expect(generate({ bad: { arity: 2, expr: "a + 1" } })).rejects.toThrow(/kernel bad: .* never reads b/);
    await expect(generate({ bad: { arity: 1, expr: "a + n", let: { n: "a" } } })).rejects.toThrow(/let n/);
  });

  it("every entry has a kernel object, and a public function in both entries unless hand-written or internal", () => {
    const text = readFileSync(generatedPaths.functions, "utf8");
    for (const [name, spec] of Object.entries(KERNELS) as [string, KernelSpec][]) {
      expect(kernelObject(name), name).toBeTypeOf("object");
      for (const [entry, exports] of Object.entries({ ops, runtime, internal })) {
        const exported = (exports as Record<string, unknown>)[name];
        if (spec.api === "internal") expect(exported, `${entry} exports ${name}`).toBeUndefined();
        else expect(exported, `${entry} exports ${name}`).toBe((ops as Record<string, unknown>)[name]);
      }
      for (const exports of [runtime, internal])
        expect(exports, `a kernel object reaches an entry`).not.toHaveProperty([
          name.replace(/[A-Z]/g, "_$&").toUpperCase(),
        ]);
      if (spec.api === undefined) expect(text).toMatch(new RegExp(`@adjointPrimitive ${name}\\b`));
      if (spec.zeroGradient)
        expect(text).toMatch(new RegExp(`Not(\\n \\*)? differentiable\\.\\n \\* @adjointPrimitive ${name}\\n`));
    }
  });

  // The rows are called at an offset and for lengths 0..9 (0 runs no iteration); float32 output rounds once, as the scalar result stored into a Float32Array.
  for (const [name, spec] of Object.entries(KERNELS) as [string, KernelSpec][]) {
    it(`${name}: the array loops equal the scalar function bit for bit`, () => {
      for (const Out of [Float64Array, Float32Array]) {
        const round = (v: number): number => new Out([v])[0]!;
        for (let n = 0; n <= 9; n++) {
          const xs = Array.from({ length: n + 2 }, (_, i) => SPECIALS[(i * 5 + n) % SPECIALS.length]!);
          const ys = Array.from({ length: n + 3 }, (_, i) => SPECIALS[(i * 7 + n + 3) % SPECIALS.length]!);
          const x = Out.from(xs);
          const y = Out.from(ys);
          if (spec.arity === 1) {
            const k = kernelObject(name) as UnaryKernel;
            const o = new Out(n + 1).fill(42);
            k.v(o, x, n);
            for (let i = 0; i < n; i++) expect(Object.is(o[i], round(k.s(x[i]!))), `${name}(${x[i]})`).toBe(true);
            expect(o[n]).toBe(42);
            continue;
          }
          const k = kernelObject(name) as BinaryKernel;
          for (const s of SPECIALS) {
            const rows: [string, (o: Float32Array | Float64Array) => void, (i: number) => number][] = [
              ["vv", (o) => k.vv(o, 1, x, 2, y, 3, n), (i) => k.s(x[2 + i - 1]!, y[3 + i - 1]!)],
              ["vs", (o) => k.vs(o, 1, x, 2, s, n), (i) => k.s(x[2 + i - 1]!, s)],
              ["sv", (o) => k.sv(o, 1, s, y, 3, n), (i) => k.s(s, y[3 + i - 1]!)],
            ];
            for (const [row, fill, expected] of rows) {
              const o = new Out(n + 2).fill(42);
              fill(o);
              for (let i = 1; i <= n; i++)
                expect(Object.is(o[i], round(expected(i))), `${name} ${row} @${i}`).toBe(true);
              expect([o[0], o[n + 1]], `${name} ${row} writes outside its row`).toEqual([42, 42]);
            }
          }
        }
      }
    });
  }

  it("a public function dispatches to its kernel for numbers and tensors", () => {
    for (const [name, spec] of Object.entries(KERNELS) as [string, KernelSpec][]) {
      if (spec.api === "internal") continue;
      const f = (ops as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
      const k = kernelObject(name) as { s: (...args: number[]) => number };
      const args = spec.arity === 1 ? [-0.75] : [-0.75, 2.5];
      expect(f(...args), name).toBe(k.s(...args));
      const t = f(...args.map((v) => tensor([v, v]))) as { data: Float64Array };
      expect(Array.from(t.data), name).toEqual([k.s(...args), k.s(...args)]);
    }
  });
});
