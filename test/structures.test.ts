// Structure parameters (API.md "Structured values", lower/structures.ts): a model's
// parameters as an interface, nested objects, tuples, class instances, number arrays and
// carried strings, read by name or destructured. Each gradient is checked leaf by leaf
// against central differences, its shape and types against the parameter's, and each
// construct that cannot be followed yet is refused at its node.
import { describe, expect, it } from "vitest";
import { isTensor, mapLeaves, tensor, Tensor, type Leaf } from "../runtime";
import { compile, expectClose } from "./harness";

const HEADER = `import { grad, valueAndGrad, vjp, Tensor, tensor, add, sub, mul, sum, tanh, exp, matmul, type Gradient } from "adjoint";\n`;

function build(source: string): { exports: Record<string, any>; js: string } {
  const compiled = compile(HEADER + source);
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return { exports: compiled.run(), js: compiled.js["main.ts"]! };
}

function codes(source: string): string[] {
  return compile(HEADER + source).codes;
}

const toNumber = (v: number | Tensor): number => (typeof v === "number" ? v : v.item());

/** A copy of `tree` with element `j` of its `k`-th leaf moved by `delta` (leaves in mapLeaves order). */
function moved<T>(tree: T, k: number, j: number, delta: number): T {
  let leaf = -1;
  return mapLeaves((x: Leaf) => {
    leaf++;
    if (typeof x === "number") return leaf === k ? x + delta : x;
    const copy = isTensor(x) ? new Tensor(Float64Array.from(x.data), x.shape) : Array.isArray(x) ? [...x] : x.slice();
    if (leaf === k) (isTensor(copy) ? copy.data : copy)[j]! += delta;
    return copy;
  }, tree) as T;
}

/** Central differences of f(tree) with respect to every element of every leaf, in the tree's shape. */
function numericGradient<T>(f: (tree: T) => number | Tensor, tree: T, h = 1e-6): unknown {
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

/** The generated gradient against central differences, leaf by leaf, kinds and shapes included. */
function expectGradient<T>(f: (tree: T) => number | Tensor, tree: T, gradient: unknown): void {
  const numeric = numericGradient(f, tree);
  mapLeaves(
    (x: Leaf, g: Leaf, n: Leaf) => {
      if (typeof x === "number") {
        expect(typeof g).toBe("number");
        expectClose(g as number, n as number, 1e-6);
      } else {
        if (isTensor(x)) {
          expect(isTensor(g)).toBe(true);
          expect((g as Tensor).shape).toEqual(x.shape);
          expect((g as Tensor).dtype).toBe(x.dtype);
        } else expect(Object.getPrototypeOf(g)).toBe(Object.getPrototypeOf(x));
        const values = Array.from(isTensor(g) ? g.data : (g as ArrayLike<number>));
        values.forEach((v, j) => expectClose(v, (n as number[])[j]!, 1e-6));
      }
      return 0;
    },
    tree,
    gradient,
    numeric,
  );
}

const MODEL = `
  interface Layer { w: Tensor; b: Tensor }
  interface Params {
    model: { enc: Layer; dec: Layer };
    scale: number;
    name: string;
    coeffs: number[];
    pair: [Tensor, number];
    unused: Tensor;
  }
  export function loss(p: Params, x: Tensor) {
    const { enc, dec } = p.model;
    const h = tanh(add(matmul(x, enc.w), enc.b));
    const y = add(matmul(h, dec.w), p.model.dec.b);
    const [t, s] = p.pair;
    let c = 0;
    for (let i = 0; i < p.coeffs.length; i++) c = c + p.coeffs[i] * (i + 1);
    return mul(sum(mul(y, t)), p.scale * c + s * p.scale);
  }
  export const params: Params = {
    model: {
      enc: { w: tensor([[0.5, -0.2, 0.3], [0.1, 0.3, -0.4]]), b: tensor([0.1, -0.1, 0.05]) },
      dec: { w: tensor([[0.2, -0.3], [0.6, 0.1], [-0.5, 0.4]]), b: tensor([0.3, -0.2]) },
    },
    scale: 1.5,
    name: "model",
    coeffs: [0.2, 0.4, -0.3],
    pair: [tensor([1, 2]), 0.7],
    unused: tensor([1, 2, 3]),
  };
  export const x = tensor([[1, 2], [-0.5, 0.25]]);
`;

describe("structure parameters", () => {
  it("a nested Params interface: every leaf's gradient against central differences, zeros for unused ones, no entry for strings", () => {
    const { exports, js } = build(`${MODEL}
      export const df = grad(loss);
      const typed: Gradient<Params> = df(params, x);
      // @ts-expect-error a string carries no gradient
      typed.name;
    `);
    const g = exports.df(exports.params, exports.x);
    expect(Object.keys(g).sort()).toEqual(["coeffs", "model", "pair", "scale", "unused"]);
    expect([...g.unused.data]).toEqual([0, 0, 0]);
    expectGradient((p) => exports.loss(p, exports.x), exports.params, g);
    // Fields are read once, at the top, each from its parent; the gradient is built in the parameter's shape.
    // A destructured field takes the name it is bound to.
    expect(js).toContain("const model = p.model;");
    expect(js).toContain("const enc = model.enc;");
    expect(js).toContain("const encW = enc.w;");
    expect(js).toContain("const t = pair[0];");
    expect(js).toContain("adjoint.structureGradient(p, {");
    // The parameter itself is left as it was.
    expect([...exports.params.model.enc.w.data]).toEqual([0.5, -0.2, 0.3, 0.1, 0.3, -0.4]);
  });

  it("a field read twice, a structure with a tensor beside it (wrt both), valueAndGrad and vjp", () => {
    const { exports } = build(`
      interface P { a: Tensor; k: number }
      export function f(p: P, x: Tensor) {
        return sum(mul(add(mul(p.a, x), p.a), p.k * p.k));
      }
      export const both = grad(f, { wrt: [0, 1] });
      export const vg = valueAndGrad(f);
      export const pull = vjp(f);
      export const p: P = { a: tensor([0.5, -1, 2]), k: 0.7 };
      export const x = tensor([1, 2, 3]);
    `);
    const [gp, gx] = exports.both(exports.p, exports.x);
    expectGradient((p) => exports.f(p, exports.x), exports.p, gp);
    expectGradient((x) => exports.f(exports.p, x), exports.x, gx);
    const { value, grad: g } = exports.vg(exports.p, exports.x);
    expectClose(toNumber(value), toNumber(exports.f(exports.p, exports.x)), 1e-12);
    expectGradient((p) => exports.f(p, exports.x), exports.p, g);
    const pulled = exports.pull(exports.p, exports.x, 2);
    expectClose(pulled.k, 2 * g.k, 1e-12);
  });

  it("a class instance's own fields, a tuple parameter and numbers only", () => {
    const { exports } = build(`
      class Affine {
        constructor(public w: number, public b: number, public label: string) {}
      }
      export function f(m: Affine, pair: [number, Affine], x: number) {
        const [u, inner] = pair;
        return Math.tanh(m.w * x + m.b) * u + inner.w * inner.b;
      }
      export const df = grad(f, { wrt: [0, 1] });
      export const m = new Affine(0.3, -0.2, "first");
      export const pair: [number, Affine] = [1.5, new Affine(2, 0.5, "inner")];
    `);
    const [gm, gpair] = exports.df(exports.m, exports.pair, 0.8);
    expect(gm).toEqual({ w: expect.any(Number), b: expect.any(Number) });
    expectGradient((m) => exports.f(m, exports.pair, 0.8), exports.m, gm);
    expectGradient((pair) => exports.f(exports.m, pair, 0.8), exports.pair, gpair);
  });

  it("a tuple of numbers is a number array: destructured, and array literals bound name by name", () => {
    const { exports } = build(`
      export function f(point: [number, number], x: number, t: Tensor) {
        const [px, py] = point;
        const [a, , c] = [x * px, 3, Math.sin(x) + py];
        const [h, g] = [tanh(mul(t, a)), exp(mul(t, c))];
        return add(sum(mul(h, g)), a * c);
      }
      export const df = grad(f, { wrt: [0, 1] });
    `);
    const point: [number, number] = [0.7, -1.3];
    const t = tensor([0.5, -0.25]);
    const [gPoint, gx] = exports.df(point, 0.4, t);
    expect(Array.isArray(gPoint)).toBe(true);
    expectGradient((p) => exports.f(p, 0.4, t), point, gPoint);
    expectGradient((x) => exports.f(point, x, t), 0.4, gx);
  });

  it("helpers that return objects and tuples: return { h, c } read as out.h and destructured, early returns, a carried label, return [n, y]", () => {
    const { exports, js } = build(`
      function cell(x: Tensor, h: Tensor, c: Tensor) {
        const gate = tanh(add(x, h));
        const next = add(mul(gate, c), exp(mul(x, -1)));
        return { h: mul(gate, tanh(next)), c: next, label: "cell" };
      }
      export function unrolled(x: Tensor) {
        let h = mul(x, 0.5);
        let c = x;
        for (let t = 0; t < 3; t++) {
          const out = cell(x, h, c);
          h = out.h;
          c = out.c;
        }
        return sum(mul(h, c));
      }
      function split(x: number) {
        if (x > 0) {
          const a = x * x;
          const b = Math.sin(x);
          return { a, b }; // shorthand fields
        }
        return { a: -x, b: x * 3 };
      }
      export function both(x: number) {
        const { a, b } = split(x);
        const r = split(2 * x);
        return a * b + r.a;
      }
      function step(x: Tensor, h: Tensor): [Tensor, Tensor, string] {
        const n = tanh(add(x, h));
        return [n, mul(n, exp(x)), "step"];
      }
      export function tupled(x: Tensor) {
        let h = x;
        let acc = mul(x, 0);
        for (let t = 0; t < 3; t++) {
          const [n, y] = step(x, h);
          h = n;
          acc = add(acc, y);
        }
        const r = step(acc, h);
        return sum(mul(r[0], r[1]));
      }
      export const dUnrolled = grad(unrolled);
      export const dBoth = grad(both);
      export const dTupled = grad(tupled);
    `);
    expectGradient((v) => exports.tupled(v), tensor([0.3, -0.8]), exports.dTupled(tensor([0.3, -0.8])));
    // A tuple's seed is an array.
    expect(js).toMatch(/\w+Back\d*\(\[dh\w*, /);
    const x = tensor([0.3, -0.8]);
    expectGradient((v) => exports.unrolled(v), x, exports.dUnrolled(x));
    for (const v of [0.7, -0.4]) expectGradient((u) => exports.both(u), v, exports.dBoth(v));
    // The vjp of a helper that returns an object takes the adjoints of its fields as one seed.
    expect(js).toMatch(/\w+Back\d*\(\{ h: \w+, c: \w+ \}\)/);
  });

  it("a structure that is not differentiated is read as constants", () => {
    const { exports } = build(`
      interface Data { x: Tensor; y: Tensor; weight: number }
      export function f(w: Tensor, data: Data) {
        const { x, y } = data;
        const r = sub(mul(x, w), y);
        return mul(sum(mul(r, r)), data.weight);
      }
      export const df = grad(f);
      export const data: Data = { x: tensor([1, 2]), y: tensor([0.5, 1]), weight: 0.5 };
    `);
    const w = tensor([0.3, -0.1]);
    expectGradient((w) => exports.f(w, exports.data), w, exports.df(w, exports.data));
  });

  it("helpers that take structures: layers passed whole, nested calls, inside a loop, a tuple", () => {
    const { exports, js } = build(`
      interface Dense { w: Tensor; b: Tensor }
      interface Net { hidden: Dense; out: Dense; mix: [number, Dense] }
      function dense(layer: Dense, x: Tensor) { return add(matmul(x, layer.w), layer.b); }
      function block(net: Net, x: Tensor) { return tanh(dense(net.hidden, x)); }
      export function f(net: Net, x: Tensor, steps: number) {
        let h = block(net, x);
        for (let i = 0; i < steps; i++) h = tanh(add(dense(net.out, h), mul(h, net.mix[0])));
        const [k, extra] = net.mix;
        return add(sum(mul(h, h)), mul(k, sum(dense(extra, h))));
      }
      export const df = grad(f);
      const d = (rows: number[][], bias: number[]): Dense => ({ w: tensor(rows), b: tensor(bias) });
      export const net: Net = {
        hidden: d([[0.5, -0.2], [0.1, 0.3]], [0.1, -0.1]),
        out: d([[0.2, -0.3], [0.6, 0.1]], [0.3, -0.2]),
        mix: [0.7, d([[0.4], [-0.6]], [0.05])],
      };
      export const x = tensor([[1, 2], [-0.5, 0.25]]);
    `);
    // Each call is followed by its pullback: the callee's forward runs once for both.
    expect(js).toMatch(/const \[\w+, \w+Back\] = dense_forward_layer/);
    expectGradient((net) => exports.f(net, exports.x, 3), exports.net, exports.df(exports.net, exports.x, 3));
    expectGradient((net) => exports.f(net, exports.x, 0), exports.net, exports.df(exports.net, exports.x, 0));
  });

  it("refuses at the node what it cannot follow: an optional layer passed on, Object.values, for...of over an array it builds", () => {
    const base = `
      interface Layer { w: Tensor; b: Tensor }
      interface Params { layers: Layer[]; first: Layer; extra?: Layer; grid: Layer[][] }
      function dense(layer: Layer, x: Tensor) { return add(matmul(x, layer.w), layer.b); }
    `;
    // A structure whose type cannot list every field cannot be passed on whole: the optional layer's gradient would be lost.
    expect(
      codes(`${base}
      function apply(p: Params, x: Tensor) { return dense(p.first, x); }
      export const df = grad((p: Params, x: Tensor) => sum(apply(p, x)));`).map((c) => c.split("@")[0]),
    ).toEqual(["ADJ214"]);
    expect(
      codes(`${base}
      export const df = grad((p: Params, x: Tensor) => sum(Object.values(p.first)[0] as Tensor));`).map(
        (c) => c.split("@")[0],
      ),
    ).toEqual(["ADJ214"]);

    expect(
      codes(`${base}
      function f(p: Params, x: Tensor) {
        let h = x;
        for (const t of [x, h]) h = mul(h, t);
        return sum(h);
      }
      export const df = grad(f);`),
    ).toEqual(["ADJ202@9"]);
    expect(
      codes(`${base}
      function f(p: Params, x: Tensor) {
        const { w, ...rest } = p.first;
        return sum(matmul(x, w));
      }
      export const df = grad(f);`).map((c) => c.split("@")[0]),
    ).toEqual(["ADJ201"]);
    // A rest element is refused at the pattern.
    expect(
      codes(`
      function f(x: number) {
        const [a, ...rest] = [x, x * 2];
        return a * rest[0]!;
      }
      export const df = grad(f);`),
    ).toEqual(["ADJ201@4"]);
  });
});

describe("valueAndGrad with hasAux", () => {
  it("f returns [value, aux]: the value is differentiated, the aux computed once and carried", () => {
    const { exports, js } = build(`
      interface P { w: Tensor; b: number }
      let calls = 0;
      export const count = () => calls;
      function accuracyOf(z: Tensor): number { calls++; return z.data.filter((v) => v > 0).length / z.size; }
      export function f(p: P, x: Tensor): [Tensor, { accuracy: number; z: Tensor }] {
        const z = add(mul(x, p.w), p.b);
        const loss = sum(mul(z, z));
        return [loss, { accuracy: accuracyOf(z), z }];
      }
      export const vg = valueAndGrad(f, { hasAux: true });
      const typed: { value: Tensor; aux: { accuracy: number; z: Tensor }; grad: Gradient<P> } = vg({ w: tensor([1]), b: 0 }, tensor([1]));
      void typed;
      export const p: P = { w: tensor([0.5, -1, 2]), b: 0.25 };
      export const x = tensor([1, 2, -3]);
    `);
    const before = exports.count();
    const { value, aux, grad: g } = exports.vg(exports.p, exports.x);
    expect(exports.count() - before).toBe(1);
    const [expectedValue, expectedAux] = exports.f(exports.p, exports.x);
    expectClose(value.item(), expectedValue.item(), 1e-12);
    expect(aux.accuracy).toBe(expectedAux.accuracy);
    expect([...aux.z.data]).toEqual([...expectedAux.z.data]);
    expectGradient((p) => exports.f(p, exports.x)[0], exports.p, g);
    expect(js).toMatch(/return \{\s*value: loss,\s*aux: \w+,\s*grad: adjoint.structureGradient/);
  });

  it("refuses x.item() on the gradient's path with what to write instead", () => {
    const compiled = compile(`${HEADER}
      export function f(x: Tensor) {
        return sum(x).item() * 2;
      }
      export const df = grad(f);`);
    expect(compiled.codes).toEqual(["ADJ204@4"]);
    expect(String(compiled.diagnostics[0]!.messageText)).toMatch(/keep the value a tensor/);
  });

  it("refuses hasAux without a `return [value, aux]`, and a pair returned to grad", () => {
    expect(
      codes(`
      function f(x: number) { return x * x; }
      export const vg = valueAndGrad(f, { hasAux: true });`).map((c) => c.split("@")[0]),
    ).toEqual(["ADJ104"]);
    expect(
      codes(`
      function f(x: number): [number, string] { return [x * x, "aux"]; }
      export const df = grad(f);`).map((c) => c.split("@")[0]),
    ).toEqual(["ADJ104"]);
  });
});

// Arrays of layers (collections): an array of tensors or structures, read by index, by
// for...of and by helpers, whose gradient is an array of the same structures.
const LAYERS = `
  interface Dense { w: Tensor; b: Tensor; name: string }
  interface Block { enc: Dense; gain: number }
  interface Net { layers: Dense[]; blocks: Block[]; scale: number }
  function dense(layer: Dense, x: Tensor) { return tanh(add(matmul(x, layer.w), layer.b)); }
  function mlp(net: Net, x: Tensor) {
    let h = x;
    for (const layer of net.layers) h = dense(layer, h);
    return h;
  }
  export const net: Net = {
    layers: [
      { w: tensor([[0.5, -0.2, 0.3], [0.1, 0.3, -0.4]]), b: tensor([0.1, -0.1, 0.05]), name: "first" },
      { w: tensor([[0.2, -0.3], [0.6, 0.1], [-0.5, 0.4]]), b: tensor([0.3, -0.2]), name: "second" },
      { w: tensor([[0.7, -0.1], [0.2, 0.4]]), b: tensor([0, 0.1]), name: "third" },
    ],
    blocks: [
      { enc: { w: tensor([[0.3, 0.1], [-0.2, 0.5]]), b: tensor([0.05, 0]), name: "b1" }, gain: 1.5 },
      { enc: { w: tensor([[-0.4, 0.2], [0.1, 0.3]]), b: tensor([0, -0.05]), name: "b2" }, gain: -0.7 },
    ],
    scale: 0.8,
  };
  export const x = tensor([[0.4, -0.6], [1.2, 0.3]]);
`;

describe("arrays of layers", () => {
  it("an index loop, for...of with destructuring, a view passed to a helper, the same layer read twice", () => {
    const { exports, js } = build(`${LAYERS}
      export function byIndex(p: Net, x: Tensor) {
        let h = x;
        for (let i = 0; i < p.layers.length; i++) h = tanh(add(matmul(h, p.layers[i]!.w), p.layers[i]!.b));
        return mul(sum(h), p.scale);
      }
      export function byElement(p: Net, x: Tensor) {
        let h = x;
        for (const layer of p.layers) {
          const { w, b } = layer;
          h = tanh(add(matmul(h, w), b));
        }
        // The first layer again, outside the loop.
        return add(sum(mul(h, h)), sum(p.layers[0]!.b));
      }
      export function byHelper(p: Net, x: Tensor) {
        let h = mlp(p, x);
        for (const block of p.blocks) h = mul(dense(block.enc, h), block.gain);
        return sum(h);
      }
      export function byPattern(p: Net, x: Tensor) {
        let h = x;
        for (const { w, b } of p.layers) h = tanh(add(matmul(h, w), b));
        return sum(mul(h, h));
      }
      export const dByPattern = grad(byPattern);
      export const dByIndex = grad(byIndex);
      export const dByElement = grad(byElement);
      export const dByHelper = grad(byHelper);
    `);
    const { net, x } = exports;
    for (const name of ["byIndex", "byElement", "byHelper", "byPattern"]) {
      const g = exports[`d${name[0]!.toUpperCase()}${name.slice(1)}`](net, x);
      expect(Array.isArray(g.layers)).toBe(true);
      expect(g.layers).toHaveLength(3);
      expect(Object.keys(g.layers[0]).sort()).toEqual(["b", "w"]);
      expectGradient((p) => exports[name](p, x), net, g);
    }
    expect(js).toContain(`adjoint.addInto(dLayers[trip], "w",`);
  });

  it("an array of layers as the parameter itself, an array of tensors, and wrt beside it", () => {
    const { exports } = build(`${LAYERS}
      export function chain(layers: Dense[], ws: Tensor[], x: Tensor) {
        let h = x;
        for (const layer of layers) h = dense(layer, h);
        for (let i = 0; i < ws.length; i++) h = matmul(tanh(h), ws[i]!);
        return sum(mul(h, ws[0]!));
      }
      export const dChain = grad(chain, { wrt: [0, 1, 2] });
      export const ws = [tensor([[0.3, -0.2], [0.5, 0.1]]), tensor([[0.1, 0.4], [-0.3, 0.2]])];
    `);
    const { net, ws, x } = exports;
    const layers = net.layers.slice(0, 2).concat([net.layers[2]]);
    const [gLayers, gWs, gx] = exports.dChain(layers, ws, x);
    expectGradient((l) => exports.chain(l, ws, x), layers, gLayers);
    expectGradient((w) => exports.chain(layers, w, x), ws, gWs);
    expectGradient((v) => exports.chain(layers, ws, v), x, gx);
  });

  it("reduce: over layers with an initial value, over numbers without one, with the index, a block body, inside a helper", () => {
    const { exports, js } = build(`${LAYERS}
      export function forward(p: Net, x: Tensor) {
        const h = p.layers.reduce((h, layer) => dense(layer, h), x);
        return mul(sum(h), p.scale);
      }
      export function weighted(xs: number[], t: number) {
        const total = xs.reduce((acc, v, i) => acc + v * Math.sin(t * (i + 1)));
        return total * total;
      }
      export function gated(p: Net, x: Tensor) {
        return sum(
          p.blocks.reduce((h, block, i) => {
            const z = dense(block.enc, h);
            if (i === 0) return mul(z, block.gain);
            return add(h, mul(z, block.gain * block.gain));
          }, x),
        );
      }
      function depth(layers: Dense[], x: Tensor) {
        return layers.reduce((h, { w, b }) => tanh(add(matmul(h, w), b)), x);
      }
      export function viaHelper(p: Net, x: Tensor) {
        return sum(mul(depth(p.layers, x), x.shape.length));
      }
      export const dForward = grad(forward);
      export const dWeighted = grad(weighted, { wrt: [0, 1] });
      export const dGated = grad(gated);
      export const dViaHelper = grad(viaHelper);
    `);
    const { net, x } = exports;
    expectGradient((p) => exports.forward(p, x), net, exports.dForward(net, x));
    expectGradient((p) => exports.gated(p, x), net, exports.dGated(net, x));
    expectGradient((p) => exports.viaHelper(p, x), net, exports.dViaHelper(net, x));
    const xs = [0.3, -1.2, 0.8, 2.1];
    const [gxs, gt] = exports.dWeighted(xs, 0.7);
    expectGradient((v) => exports.weighted(v, 0.7), xs, gxs);
    expectGradient((t) => exports.weighted(xs, t), 0.7, gt);
    // The callback is the body of a loop: no closure, no call per element.
    const generated = js.match(/function \w+_(?:grad|vjp)\w*\([^)]*\) \{[\s\S]*?\n\}/g) ?? [];
    expect(generated.length).toBeGreaterThanOrEqual(4);
    for (const f of generated) expect(f).not.toMatch(/\.reduce\(/);
  });

  it("refuses a reduce callback that assigns outside itself, and reduce over something it cannot follow", () => {
    expect(
      codes(`${LAYERS}
      function f(p: Net, x: Tensor) {
        let count = 0;
        const h = p.layers.reduce((h, layer) => { count = count + 1; return dense(layer, h); }, x);
        return mul(sum(h), count);
      }
      export const df = grad(f);`),
    ).toEqual(["ADJ205@28"]);
    expect(
      codes(`${LAYERS}
      function f(p: Net, x: number) {
        const a = [x, x * 2];
        a[0] = x * 3;
        return a.reduce((s, v) => s + v, 0);
      }
      export const df = grad(f, { wrt: 1 });`),
    ).toEqual(["ADJ202@29"]);
  });

  it("arrays of arrays of layers: p.grid[i][j].w, for...of over a row, reduce over rows, a row passed to a helper", () => {
    const { exports } = build(`${LAYERS}
      interface Grid { rows: Dense[][]; gains: Tensor[][] }
      function chain(layers: Dense[], x: Tensor) { return layers.reduce((h, l) => dense(l, h), x); }
      export function f(g: Grid, x: Tensor) {
        let h = x;
        for (let i = 0; i < g.rows.length; i++) {
          for (let j = 0; j < g.rows[i]!.length; j++) h = mul(tanh(add(matmul(h, g.rows[i]![j]!.w), g.rows[i]![j]!.b)), g.gains[i]![j]!);
        }
        for (const row of g.rows) h = add(h, mul(chain(row, x), 0.5));
        return sum(g.rows.reduce((acc, row) => row.reduce((a, l) => dense(l, a), acc), h));
      }
      export const df = grad(f);
      export const grid: Grid = {
        rows: [net.layers.slice(2), [net.blocks[0]!.enc, net.blocks[1]!.enc]],
        gains: [[tensor([1.5, -0.5])], [tensor([0.7, 1.1]), tensor([-0.3, 0.9])]],
      };
      export const x2 = tensor([[0.4, -0.6], [1.2, 0.3]]);
    `);
    const g = exports.df(exports.grid, exports.x2);
    expect(g.rows.map((r: unknown[]) => r.length)).toEqual([1, 2]);
    expectGradient((p) => exports.f(p, exports.x2), exports.grid, g);
  });

  it("a layer without a gradient gets zeros, and strings stay out of the gradient", () => {
    const { exports } = build(`${LAYERS}
      export function firstOnly(p: Net, x: Tensor) {
        return sum(dense(p.layers[0]!, x));
      }
      export const df = grad(firstOnly);
    `);
    const g = exports.df(exports.net, exports.x);
    expect(g.layers[1].w.toArray()).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect("name" in g.layers[0]).toBe(false);
    expectGradient((p) => exports.firstOnly(p, exports.x), exports.net, g);
  });
});
