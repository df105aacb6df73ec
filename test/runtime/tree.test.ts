// Parameter structures (runtime/tree.ts): the leaf model, the walks, their errors, and the
// Gradient<T> type (expectTypeOf is checked by `npm run typecheck`, which includes test/).
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { grad, isTensor, leaves, mapLeaves, tensor, zeros } from "../../runtime";
import type { Gradient, GradientOf, Leaf, Tensor } from "../../runtime";
import { addTrees, zerosLikeTree } from "../../runtime/internal";
import { isLeaf } from "../../runtime/tree";

interface Layer {
  w: Tensor;
  b: Float64Array;
  name: string;
}

interface Params {
  layers: Layer[];
  pair: readonly [Tensor, number];
  mixed: [Tensor, string, number[]];
  scale: number;
  bias: readonly number[];
  f32: Float32Array;
  label: string;
  trainable: boolean;
  activate: (x: Tensor) => Tensor;
  meta: { name: string; nested: { deep: { v: number } } };
  extra?: Tensor;
}

class Model {
  w = tensor([1, 2]);
  name = "model";
  forward(x: Tensor): Tensor {
    return x;
  }
}

describe("Gradient<T>", () => {
  it("keeps the structure and leaf types, drops what has no gradient", () => {
    expectTypeOf<Gradient<Params>>().toEqualTypeOf<{
      layers: { w: Tensor; b: Float64Array }[];
      pair: [Tensor, number];
      mixed: [Tensor, undefined, number[]];
      scale: number;
      bias: number[];
      f32: Float32Array;
      meta: { nested: { deep: { v: number } } };
      extra?: Tensor;
    }>();
    expectTypeOf<Gradient<number>>().toEqualTypeOf<number>();
    expectTypeOf<Gradient<Tensor>>().toEqualTypeOf<Tensor>();
    expectTypeOf<Gradient<readonly number[]>>().toEqualTypeOf<number[]>();
    expectTypeOf<Gradient<Tensor[][]>>().toEqualTypeOf<Tensor[][]>();
    expectTypeOf<Gradient<Model>>().toEqualTypeOf<{ w: Tensor }>();
  });

  it("is what grad gives for a structured parameter; GradientOf is a function's gradient for a wrt", () => {
    const loss = (p: Params, x: Tensor, label: string) => (label ? p.scale : x.size);
    expectTypeOf<ReturnType<typeof grad<typeof loss>>>().toEqualTypeOf<
      (p: Params, x: Tensor, label: string) => Gradient<Params>
    >();
    expectTypeOf<GradientOf<typeof loss, readonly [1, 0]>>().toEqualTypeOf<[Tensor, Gradient<Params>]>();
    expectTypeOf<GradientOf<typeof loss, 1>>().toEqualTypeOf<Tensor>();
  });
});

function sample() {
  return {
    layers: [
      { w: tensor([[1, 2]]), b: new Float64Array([3]), name: "first" },
      { w: tensor([4, 5], { dtype: "float32" }), b: new Float64Array([6, 7]), name: "second" },
    ],
    pair: [tensor(8), 9] as [Tensor, number],
    mixed: [tensor([10]), "carried", [11, 12]] as [Tensor, string, number[]],
    bias: [] as number[],
    f32: new Float32Array([13]),
    label: "params",
    on: true,
    meta: { name: "m", deep: { v: 14 } },
  };
}

describe("the leaf model", () => {
  it("leaves are numbers, tensors, float arrays and arrays of numbers; the rest is carried or a container", () => {
    for (const leaf of [1, NaN, tensor([1]), new Float64Array(2), new Float32Array(0), [1, 2], []]) {
      expect(isLeaf(leaf), String(leaf)).toBe(true);
    }
    for (const other of ["s", true, null, undefined, () => 1, new Int32Array(2), [tensor(1)], [1, "a"], {}]) {
      expect(isLeaf(other), String(other)).toBe(false);
    }
  });

  it("leaves come depth first, in key order, skipping carried values", () => {
    expect(leaves(sample()).map(values)).toEqual([
      [1, 2],
      [3],
      [4, 5],
      [6, 7],
      [8],
      [9],
      [10],
      [11, 12],
      [],
      [13],
      [14],
    ]);
  });
});

function values(leaf: Leaf): number[] {
  return typeof leaf === "number" ? [leaf] : Array.from(isTensor(leaf) ? leaf.data : leaf);
}

describe("mapLeaves", () => {
  it("zips structures leaf by leaf, keeping carried values and class prototypes", () => {
    const p = sample();
    const sums = mapLeaves((a, b) => leaves([a, b]).length, p, zerosLikeTree(p));
    expect(sums).toMatchObject({
      layers: [
        { w: 2, b: 2, name: "first" },
        { w: 2, name: "second" },
      ],
      label: "params",
    });
    expect(sums.mixed).toEqual([2, "carried", 2]);
    const model = mapLeaves((w) => w, new Model());
    expect(model).toBeInstanceOf(Model);
    expect(model.forward(tensor(1)).item()).toBe(1);
  });

  it("names the path where the structures differ", () => {
    const p = sample();
    const g = zerosLikeTree(p);
    const wrong = { ...g, layers: [g.layers[0], { b: g.layers[1]!.b }] };
    expect(() => mapLeaves((x) => x, p, wrong)).toThrow(
      "mapLeaves: structure 2 does not match tree at tree.layers[1].w: tree has a float32 Tensor of shape [2], structure 2 has nothing",
    );
    expect(() => mapLeaves((x) => x, p, { ...g, layers: [g.layers[0]] })).toThrow(
      "at tree.layers: tree has an array of length 2, structure 2 has an array of length 1",
    );
    expect(() => mapLeaves((x) => x, { a: 1 }, { a: 1, b: [2] })).toThrow(
      "at tree.b: structure 2 has a number[] of length 1, tree has no such property",
    );
    expect(() => mapLeaves((x) => x, { "odd key": { w: 1 } }, { "odd key": [1] })).toThrow('at tree["odd key"]:');
  });

  it("refuses a structure that contains itself", () => {
    const loop: { w: number; self?: unknown } = { w: 1 };
    loop.self = { back: loop };
    expect(() => leaves(loop)).toThrow("leaves: tree contains itself at tree.self.back");
  });
});

describe("zerosLikeTree and addTrees", () => {
  it("zeros keep each leaf's kind, shape and dtype; carried values are left out", () => {
    const z = zerosLikeTree(sample());
    expect(z.layers[1]!.w.dtype).toBe("float32");
    expect(z.layers[0]!.w.shape).toEqual([1, 2]);
    expect(z.layers[0]!.b).toEqual(new Float64Array(1));
    expect(z.f32).toEqual(new Float32Array(1));
    expect(z.pair[1]).toBe(0);
    expect(z.mixed[1]).toBeUndefined();
    expect(z.mixed[2]).toEqual([0, 0]);
    expect(z.meta).toEqual({ deep: { v: 0 } });
    expect("label" in z || "name" in z.layers[0]!).toBe(false);
  });

  it("adds leaf by leaf into new leaves and names a mismatch", () => {
    const a = { w: tensor([1, 2], { dtype: "float32" }), v: [1], s: 2, f: new Float64Array([1]) };
    const b = { w: tensor([3, 4], { dtype: "float32" }), v: [5], s: 6, f: new Float64Array([7]) };
    const sum = addTrees(a, b);
    expect(sum.w.dtype).toBe("float32");
    expect(Array.from(sum.w.data)).toEqual([4, 6]);
    expect(sum).toMatchObject({ v: [6], s: 8, f: new Float64Array([8]) });
    expect(Array.from(a.w.data)).toEqual([1, 2]);
    expect(() => addTrees(a, { ...b, w: zeros([3]) })).toThrow(
      "addTrees: b does not match a at a.w: a has a float32 Tensor of shape [2], b has a float64 Tensor of shape [3]",
    );
  });
});

// Random structures: objects and arrays nested a few deep, every leaf kind, carried strings and booleans.
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("leaf"),
    fc.oneof(fc.string(), fc.boolean()),
    fc.array(tie("tree"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie("tree"), { maxKeys: 3 }),
  ),
  leaf: fc.oneof(
    fc.double({ noNaN: true }),
    fc.array(fc.double({ noNaN: true }), { maxLength: 3 }),
    fc.array(fc.double({ noNaN: true }), { maxLength: 3 }).map((v) => new Float64Array(v)),
    fc.float32Array({ noNaN: true, maxLength: 3 }),
    fc.array(fc.double({ noNaN: true }), { maxLength: 3 }).map((v) => tensor(v, { shape: [v.length] })),
  ),
}));

describe("structure properties", () => {
  it("mapLeaves with the identity rebuilds an equal structure; zeros have every leaf, all zero", () => {
    fc.assert(
      fc.property(tree, (t) => {
        expect(mapLeaves((x) => x, t)).toStrictEqual(t);
        const zs = leaves(zerosLikeTree(t));
        expect(zs).toHaveLength(leaves(t).length);
        expect(zs.flatMap(values).every((v) => v === 0)).toBe(true);
        const doubled = addTrees(zerosLikeTree(t), zerosLikeTree(t));
        expect(leaves(doubled)).toHaveLength(zs.length);
      }),
      { numRuns: 300 },
    );
  });
});
