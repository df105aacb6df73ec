// Loops: for, while and do...while, nested, with branches inside, over numbers and tensors,
// calling other functions, run zero times or many. Each gradient is checked against
// central finite differences or a closed form.
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../runtime";
import { compile, expectClose, finiteDifference } from "./harness";

function build(source: string): Record<string, any> {
  const compiled = compile(
    `import { grad, valueAndGrad, vjp, stopGradient, Tensor, tensor, add, mul, matmul, tanh, sum } from "adjoint";\n${source}`,
  );
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return compiled.run();
}

function checkAll(f: (...args: number[]) => number, df: (...args: number[]) => number[], points: number[][]): void {
  for (const args of points) {
    const g = df(...args);
    g.forEach((v, i) => expectClose(v, finiteDifference(f, args, i), 1e-6));
  }
}

describe("loops", () => {
  it("Horner's rule in a for loop, coefficients read from an array", () => {
    const p = build(`
      export function horner(x: number, a: number, b: number, c: number) {
        const coeffs = [a, 2, b, c];
        let y = 0;
        for (let i = coeffs.length - 1; i >= 0; i--) y = y * x + stopIfNeeded(coeffs[i]!);
        return y;
      }
      function stopIfNeeded(v: number) { return v; }
      export const dh = grad(horner, { wrt: [0] });
    `);
    for (const x of [-1.5, 0.2, 2]) expectClose(p.dh(x, 1, 3, 4)[0], 2 + 2 * 3 * x + 3 * 4 * x * x, 1e-12);
  });

  it("while with a counter: x^n", () => {
    const p = build(`
      export function power(x: number, n: number) { let y = 1; let k = 0; while (k < n) { y = y * x; k++; } return y; }
      export const dp = grad(power);
    `);
    for (const n of [0, 1, 2, 5]) expectClose(p.dp(1.3, n), n === 0 ? 0 : n * 1.3 ** (n - 1), 1e-12);
  });

  it("do...while swapping carried variables", () => {
    const p = build(`
      export function f(x: number, y: number) {
        let a = x; let b = y; let i = 0;
        do { const t = a + Math.sin(b); a = b; b = t; i += 1; } while (i < 5);
        return a * b;
      }
      export const df = grad(f, { wrt: [0, 1] });
    `);
    checkAll(p.f, p.df, [
      [0.3, -0.7],
      [1.1, 0.4],
      [-2, 1.5],
    ]);
  });

  it("nested loops with a branch inside and values the backward sweep needs", () => {
    const p = build(`
      export function f(x: number, y: number) {
        let s = 0;
        for (let i = 1; i <= 4; i++) {
          let inner = x;
          for (let j = 0; j < i; j++) {
            if (inner > 1) inner = Math.sqrt(inner) * y;
            else inner = inner * inner + Math.sin(x * j);
          }
          s += Math.exp(-inner * inner) * i;
        }
        return s;
      }
      export const df = grad(f, { wrt: [0, 1] });
    `);
    checkAll(p.f, p.df, [
      [0.3, 0.9],
      [1.4, 0.8],
      [0.8, 1.2],
      [-0.5, 0.3],
    ]);
  });

  it("a loop that runs zero times, and a loop calling another function", () => {
    const p = build(`
      function step(v: number, dt: number) { return v - dt * (v * v * v - v); }
      export function relax(x: number, n: number) { let v = x; for (let i = 0; i < n; i++) v = step(v, 0.1); return v; }
      export const dr = grad(relax);
    `);
    expect(p.dr(0.7, 0)).toBe(1);
    for (const n of [1, 3, 20])
      expectClose(
        p.dr(0.7, n),
        finiteDifference((x: number) => p.relax(x, n), [0.7], 0),
        1e-6,
      );
  });

  it("a loop inside a callee", () => {
    const p = build(`
      function sumSquares(x: number, n: number) { let s = 0; let k = 0; while (k < n) { s += (x + k) * (x + k); k++; } return s; }
      export const f = (x: number) => Math.log(sumSquares(x, 3));
      export const df = grad(f);
    `);
    for (const x of [0.2, 1.7]) expectClose(p.df(x), finiteDifference(p.f, [x], 0), 1e-6);
  });

  it("tensor code in a loop: a recurrent layer applied three times", () => {
    const p = build(`
      export function rnn(h0: Tensor, w: Tensor) {
        let h = h0;
        for (let t = 0; t < 3; t++) h = tanh(matmul(h, w));
        return sum(h);
      }
      export const dr = grad(rnn, { wrt: [0, 1] });
    `);
    const h0 = tensor([0.3, -0.2]);
    const w = tensor([
      [0.5, -0.4],
      [0.9, 0.1],
    ]);
    const [dh, dw] = p.dr(h0, w) as Tensor[];
    const loss = (a: Tensor, b: Tensor) => (p.rnn(a, b) as Tensor).item();
    const h = 1e-6;
    for (let k = 0; k < 4; k++) {
      const plus = Float64Array.from(w.data);
      const minus = Float64Array.from(w.data);
      plus[k]! += h;
      minus[k]! -= h;
      const fd = (loss(h0, tensor(plus, { shape: [2, 2] })) - loss(h0, tensor(minus, { shape: [2, 2] }))) / (2 * h);
      expectClose(dw!.data[k]!, fd, 1e-6);
    }
    expect(dh!.shape).toEqual([2]);
  });

  it("a million iterations: memory grows with the carried values only", () => {
    const p = build(`
      export function f(x: number) { let y = x; for (let i = 0; i < 1000000; i++) y = y - 1e-6 * Math.sin(y); return y; }
      export const df = grad(f);
    `);
    expectClose(p.df(0.5), finiteDifference(p.f, [0.5], 0, 1e-5), 1e-5);
  });
});

describe("arrays", () => {
  it("a Float64Array parameter: its gradient is a Float64Array of the same length", () => {
    const p = build(`
      export function rosenbrock(x: Float64Array) {
        let total = 0;
        for (let i = 0; i + 1 < x.length; i++) total += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
        return total;
      }
      export const vg = valueAndGrad(rosenbrock);
    `);
    const x = Float64Array.from([-1.2, 1, 0.3, -0.4]);
    const { value, grad } = p.vg(x);
    // The value is the function's, though the backward sweep replayed the loop afterwards.
    expect(value).toBe(p.rosenbrock(x));
    expect(grad).toBeInstanceOf(Float64Array);
    grad.forEach((g: number, i: number) => {
      const at = (d: number) => {
        const y = Float64Array.from(x);
        y[i]! += d;
        return p.rosenbrock(y);
      };
      expectClose(g, (at(1e-6) - at(-1e-6)) / 2e-6, 1e-6);
    });
  });

  it("number[] and Float32Array parameters get gradients of their own kind; an unused one zeros", () => {
    const p = build(`
      export function dotSquare(a: number[], b: Float32Array, unused: number[]) {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
        return s * s;
      }
      export const d = grad(dotSquare, { wrt: [0, 1, 2] });
    `);
    const a = [1, 2, 3];
    const b = Float32Array.from([0.5, -1, 2]);
    const [da, db, du] = p.d(a, b, [7, 8]);
    const s = 0.5 - 2 + 6;
    expect(Array.isArray(da)).toBe(true);
    expect(da).toEqual([2 * s * 0.5, 2 * s * -1, 2 * s * 2]);
    expect(db).toBeInstanceOf(Float32Array);
    expect(Array.from(db)).toEqual([2 * s * 1, 2 * s * 2, 2 * s * 3]);
    expect(du).toEqual([0, 0]);
  });
});

describe("arrays passed to other functions", () => {
  it("a helper's gradient for an array argument is added into the caller's, the same array passed twice included", () => {
    const p = build(`
      function dot(a: Float64Array, b: Float64Array): number {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
        return s;
      }
      function norm2(a: Float64Array): number {
        return dot(a, a);
      }
      export function loss(w: Float64Array, x: Float64Array, t: number): number {
        const r = dot(w, x) - t;
        let penalty = 0;
        for (let k = 0; k < 2; k++) penalty = penalty * 0.5 + norm2(w);
        return r * r + 0.1 * penalty;
      }
      export const dloss = grad(loss, { wrt: [0, 1, 2] });
    `);
    const w = Float64Array.from([0.5, -1, 2]);
    const x = Float64Array.from([1.5, 0.25, -0.5]);
    const t = 0.3;
    const [dw, dx, dt] = p.dloss(w, x, t);
    const r = 0.75 - 0.25 - 1 - t;
    // penalty = 1.5 |w|², so d/dw = 2 r x + 0.1 · 1.5 · 2 w.
    expect(dw).toBeInstanceOf(Float64Array);
    Array.from(dw as Float64Array).forEach((g, i) => expectClose(g, 2 * r * x[i]! + 0.3 * w[i]!, 1e-12));
    Array.from(dx as Float64Array).forEach((g, i) => expectClose(g, 2 * r * w[i]!, 1e-12));
    expectClose(dt, -2 * r, 1e-12);
  });
});

describe("arrays the function creates and writes", () => {
  /** Central differences of f along each element of xs (number[] or Float64Array). */
  function arrayDifferences<A extends number[] | Float64Array>(f: (xs: A) => number, xs: A): number[] {
    return Array.from(xs, (_, i) => {
      const at = (d: number) => {
        const ys = xs.slice() as A;
        ys[i]! += d;
        return f(ys);
      };
      return (at(1e-6) - at(-1e-6)) / 2e-6;
    });
  }

  it("prefix sums written into a Float64Array, then read back in another loop", () => {
    const p = build(`
      export function f(x: Float64Array, w: number): number {
        const s = new Float64Array(x.length);
        let acc = 0;
        for (let i = 0; i < x.length; i++) {
          acc += x[i]! * w;
          s[i] = acc;
        }
        let total = 0;
        for (let i = 0; i < s.length; i++) {
          const v = s[i]!;
          total += v * v;
        }
        return total;
      }
      export const df = grad(f, { wrt: [0, 1] });
    `);
    const x = Float64Array.from([0.5, -1.25, 2, 0.75]);
    const [dx, dw] = p.df(x, 1.5);
    expect(dx).toBeInstanceOf(Float64Array);
    Array.from(dx as Float64Array).forEach((g, i) =>
      expectClose(g, arrayDifferences((y: Float64Array) => p.f(y, 1.5), x)[i]!, 1e-6),
    );
    expectClose(
      dw,
      finiteDifference((w: number) => p.f(x, w), [1.5], 0),
      1e-6,
    );
  });

  it("elements overwritten in place, in nested loops, reading neighbours the same pass wrote", () => {
    const p = build(`
      export function smooth(x: number[], passes: number): number {
        const a = [x[0]!, x[1]!, x[2]!, x[3]!];
        for (let p = 0; p < passes; p++) {
          for (let i = 1; i < 3; i++) {
            a[i] = 0.5 * a[i]! + 0.25 * (a[i - 1]! * a[i + 1]!);
          }
          a[0] = a[0]! * a[3]!;
          a[3] -= Math.sin(a[1]!);
        }
        return a[0]! + 2 * a[1]! + 3 * a[2]! * a[2]! + a[3]!;
      }
      export const dsmooth = grad(smooth);
    `);
    for (const passes of [0, 1, 3]) {
      const x = [0.9, -0.4, 1.3, 0.6];
      const dx = p.dsmooth(x, passes);
      expect(dx).toHaveLength(4);
      dx.forEach((g: number, i: number) =>
        expectClose(g, arrayDifferences((y: number[]) => p.smooth(y, passes), x)[i]!, 1e-6),
      );
    }
  });

  it("a store inside a branch, a value stored twice, and a read before the first write", () => {
    const p = build(`
      export function f(x: number, y: number): number {
        const a = new Array<number>(3).fill(0);
        const before = a[1]!;
        a[1] = x * y;
        for (let i = 0; i < 3; i++) {
          const c = a[1]!;
          if (c > 0) a[i] += x;
          else a[i] = y * a[i]!;
          const v = a[i]!;
          a[2] = v * v + before;
        }
        return a[0]! * a[1]! + a[2]!;
      }
      export const df = grad(f, { wrt: [0, 1] });
    `);
    for (const [x, y] of [
      [0.7, 1.2],
      [-0.5, 0.8],
      [1.1, -0.3],
    ] as const) {
      const [dx, dy] = p.df(x, y);
      expectClose(dx, finiteDifference(p.f, [x, y], 0), 1e-6);
      expectClose(dy, finiteDifference(p.f, [x, y], 1), 1e-6);
    }
  });

  it("found by review: reads in both arms of ?:, for...of over a local array written later, for...of over a literal of inputs", () => {
    const p = build(`
      export function ternary(x: number, y: number): number {
        const a = [x, y];
        for (let i = 0; i < 2; i++) a[0] = x > 0.5 ? a[1]! * y : a[0]! * x;
        return a[0]!;
      }
      export const dternary = grad(ternary, { wrt: [0, 1] });
      export function overwritten(x: number, y: number): number {
        const a = [x, y];
        let s = 0;
        for (const v of a) {
          s += v * v;
          a[1] = v * y;
        }
        a[0] = 5;
        return s + a[0]! * a[1]!;
      }
      export const doverwritten = grad(overwritten, { wrt: [0, 1] });
      export function literal(x: number, y: number): number {
        let s = 0;
        for (const v of [x, y, x * y, 2]) s = s * v + Math.sin(v);
        return s;
      }
      export const dliteral = grad(literal, { wrt: [0, 1] });
    `);
    for (const name of ["ternary", "overwritten", "literal"]) {
      for (const [x, y] of [
        [0.7, 1.3],
        [-0.4, 0.9],
        [1.5, -2],
      ]) {
        const [dx, dy] = p[`d${name}`](x, y);
        expectClose(dx, finiteDifference(p[name], [x!, y!], 0), 1e-6);
        expectClose(dy, finiteDifference(p[name], [x!, y!], 1), 1e-6);
      }
    }
  });

  it("refuses what it cannot follow: an array created in a loop, passed on, reassigned, or read by an expression kept as written", () => {
    const refused = (body: string): string[] =>
      compile(
        `import { grad } from "adjoint";\nfunction g(a: number[]) { return a[0]!; }\nfunction f(x: number) {\n${body}\n}\nexport const df = grad(f);\n`,
      ).codes;
    expect(
      refused("let s = 0;\nfor (let i = 0; i < 2; i++) { const a = [x, x]; a[0] = x * i; s += a[0]!; }\nreturn s;"),
    ).toEqual(["ADJ203@5"]);
    expect(refused("const a = [x, 2];\na[1] = x;\nreturn g(a);")).toEqual(["ADJ203@6"]);
    expect(refused("let a = [x, 2];\na = [1, x];\nreturn a[0]!;")).toEqual(["ADJ205@4"]);
    expect(refused("const a = [x, 2];\na[0] = x * x;\nreturn a.reduce((s, v) => s + v, 0);")).toEqual(["ADJ202@6"]);
    expect(refused("const a = new Array<number>(2).fill(x);\na[1] = 0;\nreturn a[0]!;")).toEqual(["ADJ203@4"]);
    // Found by review: a copy is not an allocation, a second name hides the writes, a number[]
    // must not grow, a loop with no counter has no trips to replay, methods may change arrays.
    expect(refused("const u = new Float64Array([x, 2 * x]);\nu[0] = u[0]! * 2;\nreturn u[0]! + u[1]!;")).toEqual([
      "ADJ203@4",
    ]);
    expect(refused("const a = [x];\nconst b = a;\na[0] = 5;\nreturn b[0]!;")).toEqual(["ADJ203@5"]);
    expect(
      refused("const out: number[] = [0];\nfor (let i = 0; i < 3; i++) out[out.length] = x * i;\nreturn out[1]!;"),
    ).toEqual(["ADJ205@5"]);
    expect(refused("const a = [0];\ndo { a[0] = x * x; } while (false);\nreturn a[0]!;")).toEqual(["ADJ202@5"]);
    expect(
      compile(
        `import { grad } from "adjoint";\nfunction f(x: number, xs: number[]) {\nconst a = xs[0]! * x;\nxs.reverse();\nreturn a + xs[0]! * x;\n}\nexport const df = grad(f);\n`,
      ).codes,
    ).toEqual(["ADJ205@4"]);
    // A loop's condition is kept as written and evaluated again on every trip: an element read there is refused
    // (an if's condition reads it into a value first: test/array-methods.test.ts).
    expect(refused("const a = [x, 2];\nlet k = 0;\nwhile (a[k]! > 1 && k < 1) k++;\nreturn a[1]!;")).toEqual([
      "ADJ203@6",
    ]);
  });
});

describe("for...of", () => {
  /** The gradient of f with respect to each element of xs, by central differences. */
  function elementDifferences(
    f: (xs: number[], ...rest: number[]) => number,
    xs: number[],
    ...rest: number[]
  ): number[] {
    return xs.map((_, i) => {
      const at = (d: number) =>
        f(
          xs.map((v, j) => (j === i ? v + d : v)),
          ...rest,
        );
      return (at(1e-6) - at(-1e-6)) / 2e-6;
    });
  }

  it("over a Float64Array with continue, and with respect to a number used in the body", () => {
    const p = build(`
      export function weighted(xs: Float64Array, w: number) {
        let total = 0;
        for (const v of xs) {
          if (v > 0.5) continue;
          total += w * v * v;
        }
        return total;
      }
      export const d = grad(weighted, { wrt: [0, 1] });
    `);
    const xs = Float64Array.from([0.2, 0.9, -1.5, 0.4]);
    const [dxs, dw] = p.d(xs, 3);
    expect(dxs).toBeInstanceOf(Float64Array);
    expect(Array.from(dxs)).toEqual([2 * 3 * 0.2, 0, 2 * 3 * -1.5, 2 * 3 * 0.4]);
    expectClose(dw, 0.04 + 2.25 + 0.16, 1e-12);
  });

  it("over number[] with an early return and a break, against finite differences", () => {
    const p = build(`
      export function firstAbove(xs: number[], t: number) {
        let acc = 1;
        for (const v of xs) {
          if (v > t) return acc * v * v;
          acc = acc * Math.cos(v) + t;
          if (acc > 50) break;
        }
        return acc;
      }
      export const d = grad(firstAbove, { wrt: [0, 1] });
    `);
    for (const [xs, t] of [
      [[0.3, -0.4, 1.7, 0.1], 1],
      [[0.3, -0.4, 0.2], 1],
      [[2, 0.5], 1.5],
      [[], 0.3],
    ] as [number[], number][]) {
      const [dxs, dt] = p.d(xs, t);
      expect(dxs).toHaveLength(xs.length);
      dxs.forEach((g: number, i: number) => expectClose(g, elementDifferences(p.firstAbove, xs, t)[i]!, 1e-6));
      expectClose(
        dt,
        finiteDifference((u: number) => p.firstAbove(xs, u), [t], 0),
        1e-6,
      );
    }
  });

  it("over an array written in place, nested in an index loop; and in tensor code", () => {
    const p = build(`
      export function poly(x: number) {
        let y = 0;
        for (let k = 0; k < 2; k++) {
          for (const c of [1, -2, 0.5]) y = y * x + c;
        }
        return y;
      }
      export const dpoly = grad(poly);
      export function layers(x: Tensor, scales: number[]) {
        let h: Tensor = x;
        for (const s of scales) h = tanh(mul(h, s));
        return sum(h);
      }
      export const dlayers = grad(layers, { wrt: [0, 1] });
    `);
    for (const x of [-0.8, 0.3, 1.1]) expectClose(p.dpoly(x), finiteDifference(p.poly, [x], 0), 1e-6);
    const x = tensor([0.5, -1]);
    const scales = [1.5, -0.7, 2];
    const [dx, dscales] = p.dlayers(x, scales);
    const at = (xs: number[], ss: number[]) => p.layers(tensor(xs), ss).data[0];
    Array.from(dx.data as Float64Array).forEach((g, i) =>
      expectClose(g, elementDifferences((xs) => at(xs, scales), [0.5, -1])[i]!, 1e-6),
    );
    dscales.forEach((g: number, i: number) =>
      expectClose(g, elementDifferences((ss) => at([0.5, -1], ss), scales)[i]!, 1e-6),
    );
  });
});

describe("break and continue", () => {
  it("continue skips the rest of an iteration (the for's update still runs); break leaves the loop", () => {
    const p = build(`
      export function f(x: number) {
        let y = 1;
        for (let i = 0; i < 10; i++) {
          if (i === 2) continue;
          y = y * x + Math.sin(y);
          if (y > 4) break;
        }
        return y;
      }
      export const df = grad(f, { wrt: [0] });
    `);
    checkAll(p.f, p.df, [[0.5], [1.3], [1.9], [-0.7]]);
  });

  it("break and continue in nested loops belong to the innermost loop", () => {
    const p = build(`
      export function f(x: number, y: number) {
        let s = 0;
        for (let i = 0; i < 4; i++) {
          let t = x;
          let j = 0;
          while (true) {
            j++;
            if (j > 5) break;
            if (j % 2 === 0) continue;
            t = Math.tanh(t * y + i);
          }
          if (t < 0) continue;
          s += t * t;
        }
        return s;
      }
      export const df = grad(f, { wrt: [0, 1] });
    `);
    checkAll(p.f, p.df, [
      [0.3, 0.9],
      [-0.8, 1.4],
      [1.2, -0.5],
    ]);
  });

  it("a do...while left by break", () => {
    const p = build(`
      export function f(x: number) {
        let y = x;
        do {
          y = y * 1.5 + Math.cos(y);
          if (y > 20) break;
        } while (y > -100);
        return y;
      }
      export const df = grad(f, { wrt: [0] });
    `);
    checkAll(p.f, p.df, [[0.2], [2.5]]);
  });
});

describe("return inside a loop", () => {
  it("returns from inside a for loop, or falls through to the rest of the function", () => {
    const p = build(`
      export function firstAbove(x: number, limit: number) {
        let y = x;
        for (let i = 0; i < 20; i++) {
          y = y * 1.3 + Math.sin(y);
          if (y > limit) return y * x;
        }
        return -y;
      }
      export const df = grad(firstAbove, { wrt: [0] });
    `);
    // Returns inside the loop for a low limit, runs all 20 iterations for a high one.
    checkAll(
      (x: number) => p.firstAbove(x, 3),
      (x: number) => p.df(x, 3),
      [[0.4], [1.1]],
    );
    checkAll(
      (x: number) => p.firstAbove(x, 1e9),
      (x: number) => p.df(x, 1e9),
      [[0.05], [-0.02]],
    );
  });

  it("a while (true) left only by return, with statements after the loop never reached", () => {
    const p = build(`
      export function newton(a: number) {
        let x = a;
        while (true) {
          const next = 0.5 * (x + a / x);
          if (Math.abs(next - x) < 1e-12) return next;
          x = next;
        }
      }
      export const dnewton = grad(newton);
    `);
    // sqrt(a) by Newton's method; d sqrt(a) / da = 1 / (2 sqrt(a)).
    for (const a of [2, 9, 0.3]) expectClose(p.dnewton(a), 1 / (2 * Math.sqrt(a)), 1e-8);
  });
});

describe("return inside nested loops", () => {
  it("a return two loops deep ends both loops; otherwise the rest of each body and of the function runs", () => {
    const p = build(`
      export function f(x: number, limit: number) {
        let y = 1;
        for (let i = 0; i < 3; i++) {
          let j = 0;
          while (j < 3) {
            if (y > limit) return y * x + i;
            y = y * x + Math.sin(j * x);
            j++;
          }
          y = 0.5 * y;
        }
        return -y;
      }
      export const df = grad(f, { wrt: [0] });
      export function search(xs: number[], target: number) {
        for (let i = 0; i < xs.length; i++) {
          for (const v of xs) {
            const d = xs[i]! * v - target;
            if (d > 0) return d * d;
          }
        }
        return 0;
      }
      export const dsearch = grad(search, { wrt: [0, 1] });
    `);
    // Limits reached in the first, second or third outer iteration, or never.
    checkAll(p.f, p.df, [
      [1.5, 2],
      [1.2, 3],
      [1.1, 5],
      [0.5, 10],
      [-1.3, 2],
    ]);
    for (const [xs, target] of [
      [[0.5, 1.5, -2], 0.6],
      [[0.5, 0.7], 0.1],
      [[0.2, 0.3], 4],
    ] as [number[], number][]) {
      const [dxs, dt] = p.dsearch(xs, target);
      dxs.forEach((g: number, i: number) => {
        const at = (d: number) =>
          p.search(
            xs.map((v, k) => (k === i ? v + d : v)),
            target,
          );
        expectClose(g, (at(1e-6) - at(-1e-6)) / 2e-6, 1e-6);
      });
      expectClose(
        dt,
        finiteDifference((t: number) => p.search(xs, t), [target], 0),
        1e-6,
      );
    }
  });
});

describe("loop diagnostics", () => {
  it("a labelled loop is refused (ADJ201)", () => {
    const { codes } = compile(
      `import { grad } from "adjoint";\nfunction f(x: number) {\n  let y = 1;\n  outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (y > 4) break outer; y = y * x; } }\n  return y;\n}\nexport const df = grad(f);\n`,
    );
    expect(codes).toEqual(["ADJ201@4"]);
  });

  it.each([
    ["for...in", "for (const c in { a: 1, b: 2 }) y = y * c.length + x;"],
    ["for...of over a string", 'for (const c of "ab") y = y * c.length + x;'],
    ["for...of over tensors", "for (const t of [tensor([1])]) y = y * t.data[0]! + x;"],
    ["for...of with destructuring", "for (const [c] of [[1], [2]]) y = y * c! + x;"],
  ])("%s inside a loop is refused with ADJ202", (_, loop) => {
    const { codes } = compile(
      `import { grad, tensor } from "adjoint";\nfunction f(x: number) {\n  let y = 1;\n  ${loop}\n  return y;\n}\nexport const df = grad(f);\n`,
    );
    expect(codes.map((c) => c.split("@")[0])).toEqual(["ADJ202"]);
  });
});

describe("found by a held-out test of 3,200 loop programs (issue #10)", () => {
  /**
   * Each exported `name` has `d_name = grad`, `v_name = valueAndGrad` and `j_name = vjp`
   * (of x, the first parameter): all three against the closed form and central differences.
   */
  function checkThree(
    p: Record<string, any>,
    name: string,
    closed: (...args: number[]) => number,
    points: number[][],
  ): void {
    for (const point of points) {
      const args = point.slice(0, p[name].length);
      const expected = closed(...args);
      expectClose(expected, finiteDifference(p[name], args, 0), 1e-6);
      expectClose(p[`d_${name}`](...args), expected, 1e-12);
      const { value, grad } = p[`v_${name}`](...args);
      expect(value).toBe(p[name](...args));
      expectClose(grad, expected, 1e-12);
      expectClose(p[`j_${name}`](...args, -2.5), -2.5 * expected, 1e-12);
    }
  }
  const three = (names: string[]) =>
    names.map((n) => `export const d_${n} = grad(${n}), v_${n} = valueAndGrad(${n}), j_${n} = vjp(${n});`).join("\n");

  it("a variable unchanged on every path that goes on, reassigned only by a break or a return, keeps its loop value in the backward sweep", () => {
    // s is a counter of step 0 (recomputed, not taped): the recomputed iteration must read
    // it, not the name the primal gave stopGradient(s), which after the loop holds 5.
    const p = build(`
      export function viaBreak(x: number): number {
        let s = 2; let r = x;
        for (let i = 0; i < 3; i++) { r = Math.sin(r) * stopGradient(s); if (i === 1) { s = 5; break; } }
        return r;
      }
      export function viaReturn(x: number): number {
        let s = 2; let r = x;
        for (let i = 0; i < 3; i++) { r = Math.sin(r) * stopGradient(s); if (i === 1) { s = 5; return r * s; } }
        return r;
      }
      // The stale value would flip the recomputed condition: gradient 0 instead of the true one.
      export function conditionViaReturn(x: number): number {
        let s = 2; let r = x;
        for (let i = 0; i < 3; i++) { const c = stopGradient(s); if (c < 3) r = Math.sin(r) * c; if (i === 1) { s = 5; return r; } }
        return r;
      }
      // Read by a condition directly, not through stopGradient.
      export function conditionViaBreak(x: number): number {
        let s = 2; let r = x;
        for (let i = 0; i < 3; i++) { if (s < 3) r = Math.sin(r) * 2; else r = r * 3; if (i === 1) { s = 5; break; } }
        return r + x * s;
      }
      // A counter from 1: recomputed as 1 + k, which is not a name either.
      export function counterFromOne(x: number): number {
        let r = x;
        for (let i = 1; i < 4; i++) r = Math.sin(r) * stopGradient(i);
        return r;
      }
      // The break leaves a varied value, read after the loop.
      export function variedOnBreak(x: number): number {
        let s = 2; let r = x; let t = 1;
        while (t < 10) { r = Math.sin(r) * stopGradient(s); t = t + 1; if (r > 0.5) { s = r * r; break; } }
        return r + s;
      }
      ${three(["viaBreak", "viaReturn", "conditionViaReturn", "conditionViaBreak", "counterFromOne", "variedOnBreak"])}
    `);
    // Two iterations: r = 2 sin(2 sin x).
    const twice = (x: number) => 2 * Math.cos(2 * Math.sin(x)) * 2 * Math.cos(x);
    const points = [[0.7], [-0.3], [1.9]];
    checkThree(p, "viaBreak", twice, points);
    checkThree(p, "viaReturn", (x) => 5 * twice(x), points);
    checkThree(p, "conditionViaReturn", twice, points);
    checkThree(p, "conditionViaBreak", (x) => twice(x) + 5, points);
    checkThree(
      p,
      "counterFromOne",
      (x) => 3 * Math.cos(2 * Math.sin(Math.sin(x))) * 2 * Math.cos(Math.sin(x)) * Math.cos(x),
      points,
    );
    // At x = 0.7, 2 sin(x) > 0.5 at once: r = 2 sin x, s = r², result r + r².
    checkThree(p, "variedOnBreak", (x) => (1 + 4 * Math.sin(x)) * 2 * Math.cos(x), [[0.7], [1.2]]);
    expectClose(p.viaBreak(0.7), 2 * Math.sin(2 * Math.sin(0.7)), 1e-15);
  });

  it("a loop copying a loop-invariant value into a carried variable (was ADJ900)", () => {
    const p = build(`
      export function copyConst(x: number, n: number): number { let s0 = x; const s1 = x * 2; for (let i = 0; i < n; i++) { s0 = s1; } return s0; }
      export function copyParam(x: number, n: number): number { let s0 = x; for (let i = 0; i < n; i++) { s0 = x; } return s0; }
      // The copy in an inner loop, and the copy read before it is made.
      export function copyNested(x: number, n: number): number {
        let s0 = x; let t = 0; const s1 = Math.sin(x);
        for (let i = 0; i < n; i++) { t += s0 * x; for (let j = 0; j < 2; j++) { s0 = s1; } }
        return s0 + t;
      }
      // A while whose break path copies and whose other path does not.
      export function copyOnBreak(x: number, n: number): number {
        let s0 = x; const s1 = x * x; let i = 0;
        while (i < 4) { s0 = s0 * 0.5; if (i === n) { s0 = s1; break; } i++; }
        return s0;
      }
      ${three(["copyConst", "copyParam", "copyNested", "copyOnBreak"])}
    `);
    for (const n of [0, 1, 3]) {
      const at = [
        [0.7, n],
        [-1.3, n],
      ];
      checkThree(p, "copyConst", () => (n > 0 ? 2 : 1), at);
      checkThree(p, "copyParam", () => 1, at);
      // t = x·x + (n − 1)·sin(x)·x, s0 = sin x (or x when n = 0).
      checkThree(
        p,
        "copyNested",
        (x) => (n === 0 ? 1 : Math.cos(x) + 2 * x + (n - 1) * (Math.cos(x) * x + Math.sin(x))),
        at,
      );
      checkThree(p, "copyOnBreak", (x) => 2 * x, at);
    }
    checkThree(p, "copyOnBreak", () => 0.5 ** 4, [[0.7, 9]]);
  });

  it("array literals and for...of literals reading elements of an array the function writes; an allocation only read (was ADJ203)", () => {
    const p = build(`
      export function forOfLiteral(x: number): number {
        const buf = [x, 1]; buf[1] = x * x;
        let s = 0;
        for (const v of [x, buf[1]!]) s += v * v;
        return s;
      }
      export function literal(x: number): number {
        const buf = [x, 1]; buf[1] = x * x;
        const w = [buf[1]! * 2, x];
        let s = 0;
        for (let i = 0; i < 2; i++) { s += w[i]! * x; buf[1] = 7; }
        return s + buf[1]!;
      }
      export function zeros(x: number, n: number): number {
        const buf = new Float64Array(n);
        let s = x;
        for (let i = 0; i < n; i++) s = s * x + buf[i]!;
        return s;
      }
      export function filled(x: number, n: number): number {
        const ones = new Array<number>(n).fill(1);
        let s = x;
        for (const v of ones) s = s * x + v;
        return s;
      }
      export function product(xs: number[]): number {
        const buf = new Float64Array(xs.length);
        let s = 1;
        for (let i = 0; i < xs.length; i++) s = s * xs[i]! + buf[i]!;
        return s;
      }
      export const dproduct = grad(product);
      export const dzeros = grad(zeros, { wrt: [0, 1] });
      ${three(["forOfLiteral", "literal", "zeros", "filled"])}
    `);
    const points = [
      [0.7, 3],
      [-1.2, 0],
      [1.6, 2],
    ];
    checkThree(p, "forOfLiteral", (x) => 2 * x + 4 * x ** 3, points);
    // w = [2x², x] read before buf[1] is overwritten: s = 2x³ + x².
    checkThree(p, "literal", (x) => 6 * x * x + 2 * x, points);
    checkThree(p, "zeros", (x, n) => (n! + 1) * x ** n!, points);
    // s = x^(n+1) + x^(n−1) + ... + 1.
    checkThree(
      p,
      "filled",
      (x, n) => (n! + 1) * x ** n! + Array.from({ length: n! }, (_, k) => k * x ** (k - 1)).reduce((a, b) => a + b, 0),
      points,
    );
    expect(p.dzeros(0.7, 3)[1]).toBe(0);
    expect(p.dproduct([1.5, -2, 0.5])).toEqual([-1, 0.75, -3]);
  });

  it("array literals only read, inside loops and branches: for...of over a literal in a loop body (was ADJ203)", () => {
    const p = build(`
      export function nested(x: number, y: number): number {
        let s = 0;
        for (let k = 0; k < 2; k++) { for (const v of [x, 2 * y, s]) s += v * v * 0.1; }
        return s;
      }
      export function dynamic(x: number, y: number): number {
        let s = 0;
        for (let k = 0; k < 3; k++) { const w = [x * s, 2, y]; s += w[0]! * w[1]! + Math.sin(w[k]!); }
        return s;
      }
      export function branches(x: number, y: number): number {
        let s = x;
        for (let k = 0; k < 3; k++) {
          if (s > 0.5) { const w = [s * y, x]; for (let j = 0; j < 2; j++) { s = s * 0.5 + Math.sin(w[j]!); if (s > 2) break; } }
          else { for (const v of [y, s * s]) { s = s + v * 0.3; if (v > 1) break; } }
        }
        return s;
      }
      // Literals of a written array's elements, made after each write.
      export function afterWrites(x: number, y: number): number {
        const buf = [x, y];
        let s = 0;
        for (let k = 0; k < 3; k++) {
          buf[k % 2] = s + x;
          const w = [buf[0]! * 2, buf[1]!];
          for (const v of [w[1]!, buf[0]!]) s = s * 0.5 + v * w[0]!;
        }
        return s + buf[1]!;
      }
      export const dnested = grad(nested, { wrt: [0, 1] }), ddynamic = grad(dynamic, { wrt: [0, 1] });
      export const dbranches = grad(branches, { wrt: [0, 1] }), dafterWrites = grad(afterWrites, { wrt: [0, 1] });
    `);
    for (const name of ["nested", "dynamic", "branches", "afterWrites"])
      checkAll(p[name], p[`d${name}`], [
        [0.7, 1.3],
        [0.3, -0.8],
        [-0.6, 1.4],
        [1.2, 0.4],
      ]);
    // nested: s = 0.1 (x² + 4y²) after the first pass over [x, 2y, 0].
    const [x, y] = [0.7, 1.3];
    const s1 = 0.1 * (x * x + 4 * y * y);
    const s2 = s1 + 0.1 * (x * x + 4 * y * y) + 0.1 * s1 * s1;
    expectClose(p.nested(x, y), s2, 1e-14);
  });
});
