// The seed notebook's printed numbers, reproduced by examples/seed-notebook.ts. The
// notebook printed X to 8 decimals, so our X differs from its X by up to half a unit
// there (5e-9); every comparison allows what that difference moves the cell's closed
// form, plus half a unit of the digit the notebook printed last, plus (for the float32
// cells) a couple of float32 roundings, since PyTorch and the runtime round in different
// orders. Nothing looser than that.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "./harness";

const source = readFileSync(path.resolve(__dirname, "../examples/seed-notebook.ts"), "utf8");

interface Cell {
  cell: number;
  dtype: "float32" | "float64";
  adjoint: { data: Float32Array | Float64Array; dtype: string; shape: readonly number[] };
  notebook: readonly string[];
  closedForm: (x: number) => number;
}

/** Half a unit of the last digit printed: 0.03990041 -> 5e-9, 3.98010770e-04 -> 5e-13. */
function halfUnit(printed: string): number {
  const [mantissa, exponent] = printed.toLowerCase().split("e");
  const decimals = mantissa!.split(".")[1]?.length ?? 0;
  return 0.5 * 10 ** (-decimals + Number(exponent ?? 0));
}

function ulp32(v: number): number {
  return Math.abs(v) < 1e-38 ? 1e-45 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23);
}

describe("the seed notebook, cell by cell", () => {
  const compiled = compile({ "main.ts": source }, { types: ["node"] });
  it("compiles without diagnostics", () => {
    expect(compiled.codes).toEqual([]);
    expect(compiled.typeErrors).toEqual([]);
  });
  const program = compiled.run();
  const X = program.X as number[];
  const cells = program.cells() as Cell[];

  it("covers every printed cell of the notebook's two halves", () => {
    expect(cells.map((c) => c.cell)).toEqual([8, 10, 13, 15, 16, 19, 20, 21, 25, 26, 27, 30, 33, 35, 37]);
  });

  it.each(cells.map((c) => [c.cell, c] as const))("In [%i]", (_, c) => {
    expect(c.adjoint.dtype).toBe(c.dtype);
    expect(c.adjoint.shape).toEqual([10]);
    c.notebook.forEach((text, i) => {
      const ours = c.adjoint.data[i]!;
      const theirs = Number(text);
      if (text === "0.") {
        expect(ours, `In [${c.cell}] element ${i}`).toBe(0);
        return;
      }
      const x = X[i]!;
      const delta = c.dtype === "float32" ? Math.max(5e-9, ulp32(x)) : 5e-9;
      const fromX = Math.abs(c.closedForm(x + delta) - c.closedForm(x - delta)) / 2;
      const rounding = c.dtype === "float32" ? 2 * ulp32(theirs) : 0;
      const tolerance = halfUnit(text) + fromX + rounding;
      expect(
        Math.abs(ours - theirs),
        `In [${c.cell}] element ${i}: ${ours} vs the notebook's ${text}`,
      ).toBeLessThanOrEqual(tolerance);
    });
  });
});
