import { expect } from "vitest";
import { isTensor, mapLeaves, Tensor, type Leaf } from "../../runtime";
import { compile } from "../harness";
import { writeFileSync, appendFileSync } from "node:fs";

export const HEADER = `import { grad, valueAndGrad, vjp, tensor, Tensor, add, sub, mul, div, matmul, tanh, exp, log, sum, mean, relu, sigmoid, logSoftmax, reshape, transpose, adam, sgd, type Gradient } from "adjoint";\n`;
const toNumber = (v: number | Tensor): number => (typeof v === "number" ? v : v.item());

export function moved<T>(tree: T, k: number, j: number, delta: number): T {
  let leaf = -1;
  return mapLeaves((x: Leaf) => {
    leaf++;
    if (typeof x === "number") return leaf === k ? x + delta : x;
    const copy = isTensor(x) ? new Tensor(Float64Array.from(x.data), x.shape) : Array.isArray(x) ? [...x] : x.slice();
    if (leaf === k) (isTensor(copy) ? copy.data : copy)[j]! += delta;
    return copy;
  }, tree) as T;
}
export function numericGradient<T>(f: (tree: T) => number | Tensor, tree: T, h = 1e-6): unknown {
  let k = -1;
  return mapLeaves((x: Leaf) => {
    k++;
    const n = typeof x === "number" ? 1 : isTensor(x) ? x.size : x.length;
    const d = Array.from({ length: n }, (_, j) => {
      const up = toNumber(f(moved(tree, k, j, h)));
      const down = toNumber(f(moved(tree, k, j, -h)));
      return (up - down) / (2 * h);
    });
    return typeof x === "number" ? d[0]! : d;
  }, tree);
}
/** returns max relative error; throws on structural mismatch */
export function gradError<T>(f: (tree: T) => number | Tensor, tree: T, gradient: unknown): number {
  const numeric = numericGradient(f, tree);
  let worst = 0;
  mapLeaves(
    (x: Leaf, g: Leaf, n: Leaf) => {
      if (typeof x === "number") {
        if (typeof g !== "number") throw new Error("gradient leaf kind mismatch: " + typeof g);
        worst = Math.max(worst, Math.abs((g as number) - (n as number)) / Math.max(1e-2, Math.abs(n as number)));
      } else {
        if (isTensor(x)) {
          if (!isTensor(g)) throw new Error("expected tensor gradient leaf");
          expect((g as Tensor).shape).toEqual(x.shape);
          expect((g as Tensor).dtype).toBe(x.dtype);
        } else expect(Object.getPrototypeOf(g)).toBe(Object.getPrototypeOf(x));
        const values = Array.from(isTensor(g) ? g.data : (g as ArrayLike<number>));
        const nv = n as number[];
        if (values.length !== nv.length) throw new Error("length mismatch");
        values.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - nv[j]!) / Math.max(1e-2, Math.abs(nv[j]!)));
        });
      }
      return 0;
    },
    tree,
    gradient,
    numeric,
  );
  return worst;
}
export function build(name: string, source: string) {
  const c = compile(HEADER + source);
  writeFileSync(`/tmp/review/${name}.js`, c.js["main.ts"] ?? "");
  return c;
}
export function log(line: string) {
  appendFileSync("/tmp/review/results.txt", line + "\n");
}
export function rnd(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
}
export function T(r: () => number, shape: number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float64Array.from({ length: n }, () => r() * 0.8),
    shape,
  );
}
