// The Hessian and Jacobian assemblers (runtime/internal/higher.ts), fed hand-written
// derivative functions of closed forms: a quadratic ½xᵀAx (H = ½(A+Aᵀ)) and linear maps
// y = Mx (J = M in both modes), over every parameter and value kind.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tensor, type DType, type Shape } from "../../runtime/tensor";
import { hessianOf, jacobianForward, jacobianReverse } from "../../runtime/internal";
import { expectTensor, expectValues, size } from "./helpers";

// ---- values of every kind, as flat element lists ----------------------------------------

type Kind = "number" | "f64" | "f32" | "Tensor" | "Tensor32" | "array";
type Value = number | Tensor | Float64Array | Float32Array | number[];

/** A value of `kind` holding `data` (a Tensor of `shape`; an array's length is data's). */
function make(kind: Kind, data: readonly number[], shape: Shape = [data.length]): Value {
  switch (kind) {
    case "number":
      return data[0]!;
    case "f64":
      return Float64Array.from(data);
    case "f32":
      return Float32Array.from(data);
    case "Tensor":
      return new Tensor(Float64Array.from(data), shape);
    case "Tensor32":
      return new Tensor(Float32Array.from(data), shape);
    case "array":
      return [...data];
  }
}

function flat(v: unknown): number[] {
  if (typeof v === "number") return [v];
  if (v instanceof Tensor) return Array.from(v.data);
  return Array.from(v as ArrayLike<number>);
}

/** Like `like`, holding `data`. */
function likeOf(like: unknown, data: readonly number[]): Value {
  if (typeof like === "number") return data[0]!;
  if (like instanceof Tensor)
    return new Tensor(like.dtype === "float32" ? Float32Array.from(data) : Float64Array.from(data), like.shape);
  if (like instanceof Float32Array) return Float32Array.from(data);
  if (like instanceof Float64Array) return Float64Array.from(data);
  return [...data];
}

/** M (m×n, row-major) times v. */
function apply(M: readonly number[], m: number, n: number, v: readonly number[]): number[] {
  return Array.from({ length: m }, (_, i) => v.reduce((s, vj, j) => s + M[i * n + j]! * vj, 0));
}

function transposed(M: readonly number[], m: number, n: number): number[] {
  return Array.from({ length: n * m }, (_, k) => M[(k % m) * n + Math.floor(k / m)]!);
}

/** Deterministic entries in [-2, 2), so the cases need no seed plumbing. */
function entries(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, k) => Math.round(Math.sin(seed * 97 + k * 13.7) * 200) / 100);
}

/** The rows of a Jacobian in the array layout, as flat element lists. */
function rowsOf(J: unknown): number[][] {
  expect(Array.isArray(J)).toBe(true);
  return (J as unknown[]).map(flat);
}

// ---- Hessians ---------------------------------------------------------------------------

/** ½xᵀAx and its hand-written Hessian-vector product ½(A+Aᵀ)v, for a parameter at argument `wrt`. */
function quadratic(A: readonly number[], n: number, wrt = 0) {
  const sym = A.map((a, k) => (a + A[(k % n) * n + Math.floor(k / n)]!) / 2);
  let calls = 0;
  const hvp = (...argsAndV: unknown[]): Value => {
    calls++;
    const x = argsAndV[wrt];
    const v = argsAndV[argsAndV.length - 1];
    expect(argsAndV).toHaveLength(3);
    return likeOf(x, apply(sym, n, n, flat(v)));
  };
  return { sym, hvp, calls: () => calls };
}

describe("hessianOf", () => {
  const n = 3;
  const A = entries(n * n, 1);

  it.each<[Kind, string]>([
    ["f64", "Float64Array"],
    ["f32", "Float32Array"],
    ["array", "Array"],
  ])("of a %s parameter: n rows of its kind, symmetric, ½(A+Aᵀ)", (kind, ctor) => {
    const { sym, hvp, calls } = quadratic(A, n);
    const x = make(kind, [0.5, -1, 2]);
    const H = hessianOf(hvp, [x, "label"], 0);
    expect(calls()).toBe(n);
    const rows = rowsOf(H);
    expect(rows).toHaveLength(n);
    for (const row of H as unknown[]) expect(row!.constructor.name).toBe(ctor);
    const tol = kind === "f32" ? 1e-6 : 1e-15;
    expectValues(rows.flat(), sym, tol, tol);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(rows[i]![j]).toBe(rows[j]![i]);
  });

  it("of a Tensor of shape [2,3]: a Tensor of shape [2,3,2,3] with its dtype", () => {
    const m = 6;
    const B = entries(m * m, 2);
    for (const kind of ["Tensor", "Tensor32"] as const) {
      const { sym, hvp } = quadratic(B, m, 1);
      const x = make(kind, [1, 2, 3, 4, 5, 6], [2, 3]);
      const H = hessianOf(hvp, [0, x], 1);
      const dtype: DType = kind === "Tensor32" ? "float32" : "float64";
      expectTensor(H, [2, 3, 2, 3], dtype, kind === "Tensor32" ? sym.map(Math.fround) : sym, 0, 0);
    }
  });

  it("of a 0-d Tensor and of a number", () => {
    const hvp = (x: unknown, v: unknown): Value => likeOf(x, [3 * flat(v)[0]!]);
    expect(hessianOf(hvp, [2], 0)).toBe(3);
    expectTensor(hessianOf(hvp, [new Tensor(Float64Array.of(2), [])], 0), [], "float64", [3]);
  });

  it("gives each call a fresh basis vector: an hvp may return its vector (½|x|², H = I)", () => {
    const seen: unknown[] = [];
    const identity = (_x: unknown, v: unknown) => (seen.push(v), v);
    const H = hessianOf(identity, [make("Tensor", [1, 2, 3])], 0);
    expectTensor(H, [3, 3], "float64", [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(new Set(seen).size).toBe(3);
    expect(rowsOf(hessianOf(identity, [[1, 2]], 0))).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it("leaves the arguments as they were", () => {
    const x = Float64Array.of(1, 2, 3);
    const args = Object.freeze([x, 7]);
    const { hvp } = quadratic(A, n);
    hessianOf(hvp, args, 0);
    expect(args).toHaveLength(2);
    expect(Array.from(x)).toEqual([1, 2, 3]);
  });

  it("takes a number from hvp as that number in every element (a linear function's H·v is 0)", () => {
    expectTensor(
      hessianOf(() => 0, [make("Tensor", [1, 2], [1, 2])], 0),
      [1, 2, 1, 2],
      "float64",
      [0, 0, 0, 0],
    );
  });

  it("names itself, the argument and what it got when something is unsupported", () => {
    expect(() => hessianOf(() => 0, ["x"], 0)).toThrow(/hessian: the parameter \(argument 1\) is a string/);
    expect(() => hessianOf(() => 0, [{ w: 1 }], 0)).toThrow(/hessian: .*an object.*a number, a Tensor/);
    expect(() => hessianOf(() => 0, [1], 2)).toThrow(/hessian: wrt is 2, but there are 1 arguments/);
    expect(() => hessianOf(() => [1, 2], [[1, 2, 3]], 0)).toThrow(
      /hessian: the Hessian-vector product for element 0 is a number\[\] of length 2, expected a number\[\] of length 3/,
    );
    expect(() => hessianOf(() => make("Tensor", [1, 2]), [make("Tensor", [1, 2], [2, 1])], 0)).toThrow(
      /hessian: .* Tensor of shape \[2\], expected a Tensor of shape \[2,1\]/,
    );
  });
});

// ---- Jacobians of linear maps -------------------------------------------------------------

/** y = Mx for an x of kind `xKind` (shape xShape) and a y of kind `yKind` (shape yShape), with its jvp and its forward-and-pullback. */
function linear(M: readonly number[], yKind: Kind, yShape: Shape, xShape: Shape, wrt = 0) {
  const m = size(yShape);
  const n = size(xShape);
  const Mt = transposed(M, m, n);
  const counts = { jvp: 0, forward: 0, pullback: 0 };
  const f = (x: unknown) => make(yKind, apply(M, m, n, flat(x)), yShape);
  const jvp = (...argsAndTangent: unknown[]) => {
    counts.jvp++;
    expect(argsAndTangent).toHaveLength(wrt + 2);
    const t = argsAndTangent[wrt + 1];
    return { value: f(argsAndTangent[wrt]), tangent: make(yKind, apply(M, m, n, flat(t)), yShape) };
  };
  const forward = (...args: unknown[]) => {
    counts.forward++;
    const x = args[wrt];
    const pullback = (seed: unknown) => {
      counts.pullback++;
      return likeOf(x, apply(Mt, n, m, flat(seed)));
    };
    return [f(x), pullback] as const;
  };
  return { jvp, forward, counts };
}

const TENSORS: readonly Kind[] = ["Tensor", "Tensor32"];

/** The expected Jacobian's layout, from API.md's rule. */
function expectJacobian(J: unknown, M: readonly number[], yKind: Kind, yShape: Shape, xKind: Kind, xShape: Shape) {
  const float32 = (k: Kind) => k === "f32" || k === "Tensor32";
  const tol = float32(yKind) || float32(xKind) ? 1e-6 : 1e-14;
  if (yKind === "number" && xKind === "number") {
    expect(typeof J).toBe("number");
    expectValues([J as number], M, tol, tol);
  } else if (xKind === "number" || yKind === "number") {
    // The other side's kind, shape and dtype.
    const [kind, shape] = xKind === "number" ? [yKind, yShape] : [xKind, xShape];
    const expected = make(kind, M, shape);
    if (expected instanceof Tensor) expectTensor(J, shape, expected.dtype, M, tol, tol);
    else {
      expect((J as object).constructor).toBe(expected.constructor);
      expectValues(flat(J), M, tol, tol);
    }
  } else if (TENSORS.includes(yKind) || TENSORS.includes(xKind)) {
    const dtype: DType = float32(yKind) && float32(xKind) ? "float32" : "float64";
    expectTensor(J, [...yShape, ...xShape], dtype, M, tol, tol);
  } else {
    const rows = rowsOf(J);
    expect(rows).toHaveLength(size(yShape));
    const rowCtor = (make(xKind, [0]) as object).constructor;
    for (const row of J as unknown[]) expect((row as object).constructor).toBe(rowCtor);
    expectValues(rows.flat(), M, tol, tol);
  }
}

function shapeFor(kind: Kind, shape: Shape): Shape {
  return kind === "number" ? [] : kind.startsWith("Tensor") ? shape : [size(shape)];
}

describe("jacobianForward and jacobianReverse", () => {
  const ALL: Kind[] = ["number", "f64", "f32", "Tensor", "Tensor32", "array"];

  for (const xKind of ALL) {
    for (const yKind of ALL) {
      it(`of y = Mx for x ${xKind}, y ${yKind}: M in both modes, one jvp per column, one forward`, () => {
        const xShape = shapeFor(xKind, [2, 3]);
        const yShape = shapeFor(yKind, [2, 2]);
        const m = size(yShape);
        const n = size(xShape);
        const M = entries(m * n, m * 10 + n);
        const x = make(xKind, entries(n, 3), xShape);
        const { jvp, forward, counts } = linear(M, yKind, yShape, xShape, 1);
        const args = ["constant", x] as const;
        expectJacobian(jacobianForward(jvp, args, 1), M, yKind, yShape, xKind, xShape);
        expect(counts.jvp).toBe(n);
        expectJacobian(jacobianReverse(forward, args, 1), M, yKind, yShape, xKind, xShape);
        expect(counts.forward).toBe(1);
        expect(counts.pullback).toBe(m);
        expect(flat(x)).toEqual(entries(n, 3).map((v) => flat(make(xKind, [v]))[0]));
      });
    }
  }

  it("of Tensor, Float64Array and number[] linear maps: M itself", () => {
    const M = [1, 2, 3, 4, 5, 6];
    for (const kind of ["Tensor", "f64", "array"] as const) {
      const { jvp, forward } = linear(M, kind, [2], [3]);
      const x = make(kind, [1, 1, 1]);
      for (const J of [jacobianForward(jvp, [x], 0), jacobianReverse(forward, [x], 0)]) {
        if (J instanceof Tensor)
          expect(J.toArray()).toEqual([
            [1, 2, 3],
            [4, 5, 6],
          ]);
        else
          expect(rowsOf(J)).toEqual([
            [1, 2, 3],
            [4, 5, 6],
          ]);
      }
    }
  });

  it("of scalar functions: sin(x) at a number, and a number-valued function of a Tensor", () => {
    const x = 0.7;
    expect(jacobianForward((x: number, t: number) => ({ value: Math.sin(x), tangent: Math.cos(x) * t }), [x], 0)).toBe(
      Math.cos(x),
    );
    expect(jacobianReverse((x: number) => [Math.sin(x), (s: number) => Math.cos(x) * s] as const, [x], 0)).toBe(
      Math.cos(x),
    );
    // y = Σ w ⊙ x: the Jacobian is w, a Tensor of x's shape and dtype.
    const w = [1, -2, 3, -4, 5, -6];
    const X = make("Tensor32", [0, 0, 0, 0, 0, 0], [3, 2]);
    const { jvp, forward } = linear(w, "number", [], [3, 2]);
    expectTensor(jacobianForward(jvp, [X], 0), [3, 2], "float32", w, 0, 0);
    expectTensor(jacobianReverse(forward, [X], 0), [3, 2], "float32", w, 0, 0);
  });

  it("of an empty parameter or an empty value: the right shape with no elements", () => {
    const { jvp, forward, counts } = linear([], "array", [2], [0]);
    const x = new Float64Array(0);
    expect(jacobianForward(jvp, [x], 0)).toEqual([new Float64Array(0), new Float64Array(0)]);
    expect(counts.jvp).toBe(1);
    expect(jacobianReverse(forward, [x], 0)).toEqual([new Float64Array(0), new Float64Array(0)]);
    const empty = linear([], "Tensor", [0], [3]);
    expectTensor(jacobianForward(empty.jvp, [make("Tensor", [1, 2, 3])], 0), [0, 3], "float64", []);
    expectTensor(jacobianReverse(empty.forward, [make("Tensor", [1, 2, 3])], 0), [0, 3], "float64", []);
  });

  it("takes a number tangent as that number in every element (a constant's tangent is 0)", () => {
    const J = jacobianForward(() => ({ value: make("Tensor", [1, 2]), tangent: 0 }), [[1, 2, 3]], 0);
    expectTensor(J, [2, 3], "float64", [0, 0, 0, 0, 0, 0]);
  });

  it("name themselves and what they got when something is unsupported", () => {
    expect(() => jacobianForward(() => ({ value: 1, tangent: 1 }), [true], 0)).toThrow(
      /jacobian: the parameter \(argument 1\) is a boolean; it must be a number, a Tensor/,
    );
    expect(() => jacobianForward(() => ({ value: { a: 1 }, tangent: 1 }), [1], 0)).toThrow(
      /jacobian: the function's value is an object/,
    );
    expect(() => jacobianForward(() => 1 as never, [1], 0)).toThrow(/jacobian: the jvp function returned a number/);
    expect(() => jacobianForward(() => ({ value: [1, 2], tangent: [1] }), [1], 0)).toThrow(
      /jacobian: the tangent for element 0 is a number\[\] of length 1, expected a number\[\] of length 2/,
    );
    expect(() => jacobianReverse(() => 1 as never, [1], 0)).toThrow(/jacobian: the forward function returned a number/);
    expect(() => jacobianReverse(() => [1, (s: unknown) => [s]] as const, [1], 0)).toThrow(
      /jacobian: the pullback of element 0 is a number\[\] of length 1, expected a number/,
    );
    expect(() => jacobianReverse(() => ["y", () => 1] as const, [1], 0)).toThrow(
      /jacobian: the function's value is a string/,
    );
    expect(() => jacobianReverse(() => [1, () => 1] as const, [1], -1)).toThrow(/jacobian: wrt is -1/);
  });

  it("agree with each other and with M on random linear maps (property)", () => {
    const kind = fc.constantFrom<Kind>("number", "f64", "f32", "Tensor", "Tensor32", "array");
    const dims = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 });
    fc.assert(
      fc.property(kind, kind, dims, dims, fc.integer({ min: 0, max: 1000 }), (xKind, yKind, xDims, yDims, seed) => {
        const xShape = shapeFor(xKind, xDims);
        const yShape = shapeFor(yKind, yDims);
        const M = entries(size(yShape) * size(xShape), seed);
        const { jvp, forward } = linear(M, yKind, yShape, xShape);
        const x = make(xKind, entries(size(xShape), seed + 1), xShape);
        const byColumns = jacobianForward(jvp, [x], 0);
        const byRows = jacobianReverse(forward, [x], 0);
        expectJacobian(byColumns, M, yKind, yShape, xKind, xShape);
        expectJacobian(byRows, M, yKind, yShape, xKind, xShape);
        // Columns carry y's dtype and rows x's, so they agree exactly only when neither is float32.
        const all = (J: unknown) => (Array.isArray(J) && typeof J[0] !== "number" ? J.flatMap(flat) : flat(J));
        expectValues(all(byRows), all(byColumns), 1e-6, 1e-6);
      }),
      { numRuns: 200 },
    );
  });
});
