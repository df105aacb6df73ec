// Arrays built and walked the way JavaScript code does it (#13 item 2): push into a local
// array (of numbers or of tensors) and read it back, map, reduce, forEach and Array.from
// with arrow callbacks, lengths read in conditions. Each gradient is checked against
// central differences; each form is lowered inline as a loop (no callback survives in the
// generated gradient), and what stays unsupported is refused at its node.
import { describe, expect, it } from "vitest";
import { reshape, tensor, type Tensor } from "../runtime";
import { compile, expectClose } from "./harness";

const HEADER = `import { grad, tensor, Tensor, tanh, exp, add, mul, sum, matmul } from "adjoint";
interface Dense { w: Tensor; b: Tensor }
function dense(layer: Dense, x: Tensor) { return tanh(add(matmul(x, layer.w), layer.b)); }
`;

function build(source: string): { exports: Record<string, any>; generated: string[] } {
  const compiled = compile(HEADER + source);
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  const js = compiled.js["main.ts"]!;
  return {
    exports: compiled.run(),
    generated: js.match(/function \w+_(?:grad|vjp)\w*\([^)]*\) \{[\s\S]*?\n\}/g) ?? [],
  };
}

const codes = (source: string): string[] => compile(HEADER + source).codes;

/** The gradient of a function of one number or one tensor against central differences. */
function expectDifferences(
  f: (x: any) => number | Tensor,
  df: (x: any) => number | Tensor,
  x: number | number[],
): void {
  const value = (v: number | Tensor): number => (typeof v === "number" ? v : v.item());
  if (typeof x === "number") {
    expectClose(df(x) as number, (value(f(x + 1e-6)) - value(f(x - 1e-6))) / 2e-6, 1e-6);
    return;
  }
  const g = (df(tensor(x)) as Tensor).toArray() as number[];
  x.forEach((_, i) => {
    const [up, down] = [[...x], [...x]];
    up[i]! += 1e-6;
    down[i]! -= 1e-6;
    expectClose(g[i]!, (value(f(tensor(up))) - value(f(tensor(down)))) / 2e-6, 1e-6);
  });
}

describe("arrays grown by push", () => {
  it("numbers pushed in a loop and read back by index, from the end and in a later loop", () => {
    const { exports } = build(`
      export function f(x: number) {
        const ys: number[] = [];
        for (let i = 0; i < 5; i++) ys.push(Math.sin(x * i));
        let s = 0;
        for (let i = 0; i < ys.length; i++) s = s + ys[i]! * ys[ys.length - 1 - i]!;
        return s;
      }
      export const df = grad(f);
    `);
    for (const x of [0.7, -1.3, 2.2]) expectDifferences(exports.f, exports.df, x);
  });

  it("pushed in branches, in a while loop whose condition reads the length, starting from a literal", () => {
    const { exports } = build(`
      export function f(x: number) {
        const ys: number[] = [x];
        let k = 0;
        while (ys.length < 6) {
          if (ys.length % 2 === 0) ys.push(ys[ys.length - 1]! * x);
          else ys.push(Math.cos(ys[k]!), x * k);
          k++;
        }
        return ys[5]! + ys.length * ys[2]!;
      }
      export const df = grad(f);
    `);
    for (const x of [0.4, -0.9]) expectDifferences(exports.f, exports.df, x);
  });

  it("tensors: an RNN's hidden states collected and summed, and a literal array of tensors", () => {
    const { exports, generated } = build(`
      export function rnn(x: Tensor) {
        const states: Tensor[] = [];
        let h = x;
        for (let t = 0; t < 4; t++) {
          h = tanh(add(mul(h, 1.2), mul(x, 0.3)));
          states.push(h);
        }
        let total = sum(mul(states[0]!, states[3]!));
        for (const s of states) total = add(total, sum(mul(s, s)));
        return total;
      }
      export function pair(x: Tensor) {
        const [first, second] = [tanh(x), exp(x)];
        const both = [first, second];
        return sum(mul(both[0]!, both[1]!));
      }
      export const dRnn = grad(rnn);
      export const dPair = grad(pair);
    `);
    expectDifferences(exports.rnn, exports.dRnn, [0.3, -0.8, 1.1]);
    expectDifferences(exports.pair, exports.dPair, [0.3, -0.8]);
    // Each tensor element's adjoint is added with the runtime's add, never with +=.
    expect(generated.join("\n")).toMatch(/dStates\[\w+\] = adjoint\.add\(dStates\[\w+\]/);
    expect(generated.join("\n")).not.toMatch(/dStates\[[^\]]+\] \+=/);
  });
});

describe("callbacks lowered as loops", () => {
  it("map with the index, then reduce; Array.from; forEach into the function's variables", () => {
    const { exports, generated } = build(`
      export function mapped(x: number) {
        const ys = [1, 2, 3].map((c, i) => Math.sin(c * x) + i * x);
        return ys.reduce((a, y) => a + y * y, 0);
      }
      export function powers(x: number) {
        const ps = Array.from({ length: 4 }, (_, i) => x ** (i + 1));
        let s = 0;
        for (const p of ps) s = s + p / (1 + s);
        return s;
      }
      export function walked(x: number) {
        let s = 0;
        let p = 1;
        [1, 2, 3].forEach((c, i) => {
          if (i > 0) s = s + c * x * p;
          p = p * x;
        });
        return s * p;
      }
      export const dMapped = grad(mapped);
      export const dPowers = grad(powers);
      export const dWalked = grad(walked);
    `);
    for (const x of [0.7, -1.1]) {
      expectDifferences(exports.mapped, exports.dMapped, x);
      expectDifferences(exports.powers, exports.dPowers, x);
      expectDifferences(exports.walked, exports.dWalked, x);
    }
    expect(generated.length).toBeGreaterThanOrEqual(3);
    for (const f of generated) expect(f).not.toMatch(/\.(map|reduce|forEach)\(|Array\.from/);
  });

  it("tensors: map over numbers into tensors, map over layers, forEach pushing states", () => {
    const { exports } = build(`
      export function scaled(x: Tensor) {
        const hs = [1, 2, 3].map((c) => tanh(mul(x, c)));
        return sum(hs.reduce((a, h) => add(a, mul(h, h)), x));
      }
      const layers: Dense[] = [
        { w: tensor([[0.5, -0.2], [0.1, 0.3]]), b: tensor([0.1, -0.1]) },
        { w: tensor([[0.2, -0.3], [0.6, 0.1]]), b: tensor([0.3, -0.2]) },
      ];
      export function perLayer(x: Tensor) {
        const outs = layers.map((layer) => tanh(add(mul(x, layer.b), sum(layer.w))));
        return sum(mul(outs[0]!, outs[1]!));
      }
      export function states(x: Tensor) {
        let h = x;
        const outs: Tensor[] = [];
        [0.5, 1.5].forEach((c) => {
          h = tanh(mul(h, c));
          outs.push(h);
        });
        return sum(mul(outs[0]!, outs[1]!));
      }
      export const dScaled = grad(scaled);
      export const dPerLayer = grad(perLayer);
      export const dStates = grad(states);
    `);
    expectDifferences(exports.scaled, exports.dScaled, [0.3, -0.8]);
    expectDifferences(exports.perLayer, exports.dPerLayer, [0.4, -0.6]);
    expectDifferences(exports.states, exports.dStates, [0.3, -0.8]);
  });

  it("map and reduce over a parameter's layers with the gradient going into them", () => {
    const { exports } = build(`
      export function f(layers: Dense[], x: Tensor) {
        const norms = layers.map((l, i) => mul(sum(mul(l.w, l.w)), i + 1));
        const out = layers.reduce((h, l) => dense(l, h), x);
        return add(sum(out), norms.reduce((a, n) => add(a, n), tensor(0)));
      }
      export const df = grad(f);
    `);
    const layers = [
      {
        w: tensor([
          [0.5, -0.2],
          [0.1, 0.3],
        ]),
        b: tensor([0.1, -0.1]),
      },
      {
        w: tensor([
          [0.2, -0.3],
          [0.6, 0.1],
        ]),
        b: tensor([0.3, -0.2]),
      },
    ];
    const x = tensor([[0.4, -0.6]]);
    const g = exports.df(layers, x);
    layers.forEach((layer, k) =>
      (["w", "b"] as const).forEach((key) => {
        const values = Array.from(layer[key].data);
        const grads = Array.from((g[k][key] as Tensor).data);
        values.forEach((_, j) => {
          const at = (d: number): number => {
            const moved = layers.map((l) => ({ ...l }));
            const data = [...values];
            data[j]! += d;
            moved[k]![key] = reshape(tensor(data), layer[key].shape);
            return exports.f(moved, x).item();
          };
          expectClose(grads[j]!, (at(1e-6) - at(-1e-6)) / 2e-6, 1e-6);
        });
      }),
    );
  });
});

describe("arrays built inside a loop body (found by a review session: the recomputed iteration left them empty)", () => {
  it("map and Array.from in a loop, in a forEach callback, and a map of tensors in an RNN step", () => {
    const { exports } = build(`
      export function mapped(c: number) {
        let s = 0;
        for (let i = 0; i < 2; i++) {
          const ys = [1, 2].map((k) => c * k);
          s = s + ys[1]! * ys[0]!;
        }
        return s;
      }
      export function regression(c: number) {
        let loss = 0;
        [1, 2, 3].forEach((x, i) => {
          const feats = Array.from({ length: 3 }, (_, k) => x ** k);
          const p = feats.reduce((a, v) => a + v * c, 0);
          loss = loss + (p - i) * (p - i);
        });
        return loss;
      }
      export const keys = [tensor([0.5, -0.2]), tensor([0.1, 0.7])];
      export function attend(x: Tensor, keys: Tensor[]) {
        let h = x;
        for (let t = 0; t < 3; t++) {
          const scores = keys.map((k) => sum(mul(h, k)));
          h = tanh(add(mul(h, scores[0]!), mul(x, scores[1]!)));
        }
        return sum(h);
      }
      export const dMapped = grad(mapped);
      export const dRegression = grad(regression);
      export const dAttend = grad(attend);
    `);
    for (const c of [0.5, -0.3]) {
      expectDifferences(exports.mapped, exports.dMapped, c);
      expectDifferences(exports.regression, exports.dRegression, c);
    }
    expectDifferences(
      (x: Tensor) => exports.attend(x, exports.keys),
      (x: Tensor) => exports.dAttend(x, exports.keys),
      [0.3, -0.8],
    );
  });
});

describe("conditions that read elements of arrays the function writes", () => {
  it("if (buf[i] > 0) and a conditional read the element into a value first", () => {
    const { exports } = build(`
      export function f(x: number) {
        const buf = new Float64Array(4);
        for (let i = 0; i < 4; i++) buf[i] = Math.sin(x * (i + 1));
        let s = 0;
        for (let i = 0; i < 4; i++) {
          if (buf[i]! > 0) s = s + buf[i]! * x;
          else buf[i] = buf[i]! * 2;
        }
        return s + buf[3]! * (buf[2]! > 0 ? 1 : 3) + buf[1]!;
      }
      export const df = grad(f);
    `);
    for (const x of [0.7, 1.9, -0.4]) expectDifferences(exports.f, exports.df, x);
  });

  it("a loop's condition that reads an element is refused with what to write instead", () => {
    const compiled = compile(`${HEADER}
      function f(x: number) {
        const buf = [x, x * 2, x * 3];
        let k = 0;
        while (buf[k]! < 5 && k < 2) k++;
        return buf[k]!;
      }
      export const df = grad(f);`);
    expect(compiled.codes).toEqual(["ADJ203@8"]);
    expect(String(compiled.diagnostics[0]!.messageText)).toMatch(/runs again on every trip/);
  });
});

describe("refusals", () => {
  it("says at the node what it cannot follow", () => {
    // A map callback that assigns the function's variables.
    expect(
      codes(`
      function f(x: number) {
        let s = 0;
        const ys = [1, 2].map((c) => { s = s + c; return c * x; });
        return ys[0]! + s;
      }
      export const df = grad(f);`),
    ).toEqual(["ADJ205@7"]);
    // An array of tensors is grown by push, not assigned.
    expect(
      codes(`
      function f(x: Tensor) {
        const hs: Tensor[] = [];
        hs.push(x);
        hs[0] = mul(x, 2);
        return sum(hs[0]!);
      }
      export const df = grad(f);`),
    ).toEqual(["ADJ205@6"]);
    // Pushing into an array made in a loop.
    expect(
      codes(`
      function f(x: number) {
        let s = 0;
        for (let i = 0; i < 3; i++) {
          const ys: number[] = [];
          ys.push(x * i);
          s = s + ys[0]!;
        }
        return s;
      }
      export const df = grad(f);`),
    ).toEqual(["ADJ203@8"]);
    // forEach used for a value.
    expect(
      codes(`
      function f(x: number) {
        const r = [1, 2].forEach((c) => { x * c; });
        return x;
      }
      export const df = grad(f);`).map((c) => c.split("@")[0]),
    ).toContain("ADJ203");
  });
});
