// The plain-JS matrix product kernel (runtime/ops/gemm.ts, forced with configureMatmul: larger
// products go to the WASM kernel, tested in gemm-wasm.test.ts) against a plain triple loop that
// sums in float64 in the same order: the 4×4 blocks, the edges and the transposed reads must give
// the same bits, for every size around the block's, both dtypes, every transposition.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matmul, randomNormal, tensor, transpose, type Tensor } from "../../runtime";
import { configureMatmul, matmulGradA, matmulGradB, type MatmulSettings } from "../../runtime/internal";
import { gemm, view } from "../../runtime/ops/gemm";
import { matmulTransposed } from "../../runtime/ops/linalg";

/** op(a)·op(b) by the definition, a[r][c] read as the stored matrix or its transpose. */
function reference(a: Tensor, ta: boolean, b: Tensor, tb: boolean): number[] {
  const at = (r: number, c: number): number => (ta ? a.data[c * a.shape[1]! + r]! : a.data[r * a.shape[1]! + c]!);
  const bt = (r: number, c: number): number => (tb ? b.data[c * b.shape[1]! + r]! : b.data[r * b.shape[1]! + c]!);
  const m = ta ? a.shape[1]! : a.shape[0]!;
  const k = ta ? a.shape[0]! : a.shape[1]!;
  const n = tb ? b.shape[0]! : b.shape[1]!;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(i, p) * bt(p, j);
      out.push(s);
    }
  }
  return out;
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 13];
// Past the chunk of the shared dimension (256), where partial sums are carried in float64.
const LONG = [255, 256, 257, 600];

let settings: MatmulSettings;
beforeAll(() => {
  settings = configureMatmul({ kernel: "js" });
});
afterAll(() => {
  configureMatmul(settings);
});

describe("gemm", () => {
  for (const dtype of ["float64", "float32"] as const) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`${dtype}, ${ta ? "aᵀ" : "a"}·${tb ? "bᵀ" : "b"}: the same bits as the triple loop for every m and n up to 13 and k up to 600`, () => {
        let seed = 1;
        for (const m of SIZES) {
          for (const k of [...SIZES, ...LONG]) {
            for (const n of SIZES) {
              const a = randomNormal(ta ? [k, m] : [m, k], { seed: seed++, dtype });
              const b = randomNormal(tb ? [n, k] : [k, n], { seed: seed++, dtype });
              const out = dtype === "float32" ? new Float32Array(m * n) : new Float64Array(m * n);
              gemm(view(a.data, a.shape[1]!, ta), view(b.data, b.shape[1]!, tb), out, m, k, n);
              const expected =
                dtype === "float32" ? Float32Array.from(reference(a, ta, b, tb)) : reference(a, ta, b, tb);
              expect(Array.from(out), `m=${m} k=${k} n=${n}`).toEqual(Array.from(expected));
            }
          }
        }
      });
    }
  }

  it("matmul's adjoints read bᵀ and aᵀ in place and give what the materialised transposes gave", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const a = randomNormal([6, 9], { seed: 3, dtype });
      const b = randomNormal([9, 5], { seed: 4, dtype });
      const g = randomNormal([6, 5], { seed: 5, dtype });
      expect(matmulGradA(g, a, b).toArray()).toEqual(matmul(g, transpose(b)).toArray());
      expect(matmulGradB(g, a, b).toArray()).toEqual(matmul(transpose(a), g).toArray());
      expect(matmulGradA(g, a, b).dtype).toBe(dtype);
    }
  });

  it("names the operation and both shapes, marked transposed, when they do not align", () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(() => matmulTransposed(a, true, tensor([[1, 2, 3]]), true, "float64")).toThrow(
      "matmul: shapes [2,3]ᵀ and [1,3]ᵀ are not aligned: 2 != 3",
    );
  });
});
