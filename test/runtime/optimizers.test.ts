// The optimizers (runtime/optimizers.ts): first steps computed by hand, Adam and AdamW against
// their papers' algorithms written out as scalar loops, schedules, clipping, and what every
// step must keep: inputs unchanged, leaf kinds and dtypes, errors that name the path.
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  adam,
  adamw,
  clipByGlobalNorm,
  cosineDecay,
  isTensor,
  leaves,
  mapLeaves,
  randomNormal,
  sgd,
  tensor,
  type Gradient,
  type Leaf,
  type Optimizer,
  type Tensor,
} from "../../runtime";

function values(leaf: Leaf): number[] {
  return typeof leaf === "number" ? [leaf] : Array.from(isTensor(leaf) ? leaf.data : leaf);
}

/** Every element of every leaf, in walk order. */
function flat(tree: unknown): number[] {
  return leaves(tree).flatMap(values);
}

/** One number in every leaf kind, so each hand-computed step checks all of them at once. */
function everyKind(x: number) {
  return { n: x, t: tensor([x]), a: [x], f64: new Float64Array([x]), deep: [{ v: tensor([[x]]) }] };
}

function expectAll(tree: unknown, expected: number, digits = 12) {
  for (const v of flat(tree)) expect(v).toBeCloseTo(expected, digits);
}

describe("sgd", () => {
  // PyTorch's convention (dampening 0), which optax's trace shares: t = g + momentum·t
  // from t = 0, then p − lr·t, or p − lr·(g + momentum·t) with Nesterov.
  const p0 = everyKind(1);
  const g1 = everyKind(0.5);
  const g2 = everyKind(0.25);

  it("plain: p − lr·g, and a state of the step count only", () => {
    const opt = sgd({ lr: 0.1 });
    const state = opt.init(p0);
    expect(state).toEqual({ step: 0, trace: null });
    const one = opt.step(p0, g1, state);
    expectAll(one.params, 0.95);
    expect(one.state).toEqual({ step: 1, trace: null });
  });

  it("momentum 0.9: t1 = 0.5, p1 = 0.95; t2 = 0.25 + 0.9·0.5 = 0.7, p2 = 0.95 − 0.07", () => {
    const opt = sgd({ lr: 0.1, momentum: 0.9 });
    const one = opt.step(p0, g1, opt.init(p0));
    expectAll(one.params, 0.95);
    expectAll(one.state.trace, 0.5);
    const two = opt.step(one.params, g2, one.state);
    expectAll(two.state.trace, 0.7);
    expectAll(two.params, 0.88);
    expect(two.state.step).toBe(2);
  });

  it("Nesterov: p1 = 1 − 0.1·(0.5 + 0.9·0.5) = 0.905; p2 = 0.905 − 0.1·(0.25 + 0.9·0.7) = 0.817", () => {
    const opt = sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
    const one = opt.step(p0, g1, opt.init(p0));
    expectAll(one.params, 0.905);
    const two = opt.step(one.params, g2, one.state);
    expectAll(two.state.trace, 0.7);
    expectAll(two.params, 0.817);
  });

  it("refuses Nesterov without momentum and a bad learning rate", () => {
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow("sgd: nesterov needs a momentum above 0");
    expect(() => sgd({ lr: NaN })).toThrow("sgd: lr must be a finite number or a schedule, got NaN");
    const bad = sgd({ lr: () => Infinity });
    expect(() => bad.step(1, 1, bad.init(1))).toThrow("sgd: the lr schedule gave Infinity at step 0");
  });
});

describe("adam", () => {
  it("the first two steps by hand, with bias correction", () => {
    const opt = adam({ lr: 0.1 }); // b1 0.9, b2 0.999, eps 1e-8
    const p0 = everyKind(1);
    // Step 1, g = 0.5: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.05/0.1 = 0.5,
    // v̂ = 0.00025/0.001 = 0.25; p = 1 − 0.1·0.5/(√0.25 + 1e-8).
    const one = opt.step(p0, everyKind(0.5), opt.init(p0));
    expectAll(one.state.mu, 0.05, 15);
    expectAll(one.state.nu, 0.00025, 15);
    expectAll(one.params, 1 - (0.1 * 0.5) / (0.5 + 1e-8), 15);
    // Step 2, g = −0.25: m = 0.9·0.05 − 0.1·0.25 = 0.02, v = 0.999·0.00025 + 0.001·0.0625 =
    // 0.00031225; 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999.
    const two = opt.step(one.params, everyKind(-0.25), one.state);
    expectAll(two.state.mu, 0.02, 15);
    expectAll(two.state.nu, 0.00031225, 15);
    const p1 = 1 - (0.1 * 0.5) / (0.5 + 1e-8);
    expectAll(two.params, p1 - (0.1 * (0.02 / 0.19)) / (Math.sqrt(0.00031225 / 0.001999) + 1e-8), 15);
    expect(two.state.step).toBe(2);
  });

  it("follows Algorithm 1 of Kingma and Ba for many steps, with a schedule", () => {
    const [alpha, beta1, beta2, epsilon] = [0.01, 0.8, 0.99, 1e-6];
    const schedule = cosineDecay(alpha, 20);
    const opt = adam({ lr: schedule, b1: beta1, b2: beta2, eps: epsilon });
    let params = { w: randomNormal([3, 2], { seed: 1 }) };
    let state = opt.init(params);
    // The paper's loop on plain numbers: m, v from 0; t from 1; θ ← θ − α_t·m̂/(√v̂ + ε).
    const theta = Array.from(params.w.data);
    const m = theta.map(() => 0);
    const v = theta.map(() => 0);
    for (let t = 1; t <= 25; t++) {
      const g = theta.map((x, i) => Math.sin(3 * x + i + t)); // any gradient will do
      for (let i = 0; i < theta.length; i++) {
        m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
        v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! ** 2;
        const mHat = m[i]! / (1 - beta1 ** t);
        const vHat = v[i]! / (1 - beta2 ** t);
        theta[i] = theta[i]! - (schedule(t - 1) * mHat) / (Math.sqrt(vHat) + epsilon);
      }
      ({ params, state } = opt.step(params, { w: tensor(g, { shape: [3, 2] }) }, state));
    }
    flat(params).forEach((x, i) => expect(x).toBeCloseTo(theta[i]!, 13));
  });
});

describe("adamw", () => {
  it("the first step by hand: p − lr·(m̂/(√v̂ + eps) + weightDecay·p)", () => {
    const opt = adamw({ lr: 0.1, weightDecay: 0.01 });
    const p0 = everyKind(2);
    const one = opt.step(p0, everyKind(0.5), opt.init(p0));
    expectAll(one.params, 2 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.01 * 2), 15);
  });

  it("follows Algorithm 2 of Loshchilov and Hutter, with the schedule multiplier η_t", () => {
    // The paper: θ_t = θ_{t−1} − η_t·(α·m̂/(√v̂ + ε) + λ·θ_{t−1}). With lr(t) = α·η_t,
    // optax's and PyTorch's weightDecay is λ/α: the decay is scaled by the learning rate.
    const [alpha, lambda] = [0.05, 0.002];
    const eta = (t: number) => 0.5 + 0.5 / t; // any multiplier schedule
    const opt = adamw({ lr: (step) => alpha * eta(step + 1), weightDecay: lambda / alpha });
    let params = { layers: [{ w: new Float64Array([1, -2]) }, { w: new Float64Array([0.5, 3]) }] };
    let state = opt.init(params);
    const theta = flat(params);
    const m = theta.map(() => 0);
    const v = theta.map(() => 0);
    for (let t = 1; t <= 10; t++) {
      const g = theta.map((x) => 2 * x - 1);
      for (let i = 0; i < theta.length; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.999 * v[i]! + 0.001 * g[i]! ** 2;
        const mHat = m[i]! / (1 - 0.9 ** t);
        const vHat = v[i]! / (1 - 0.999 ** t);
        theta[i] = theta[i]! - eta(t) * ((alpha * mHat) / (Math.sqrt(vHat) + 1e-8) + lambda * theta[i]!);
      }
      const grads = mapLeaves((w) => Float64Array.from(values(w), (x) => 2 * x - 1), params);
      ({ params, state } = opt.step(params, grads, state));
    }
    flat(params).forEach((x, i) => expect(x).toBeCloseTo(theta[i]!, 13));
  });

  it("decays with the default weight decay 1e-4 when the gradient is zero", () => {
    const opt = adamw({ lr: 0.5 });
    // m = v = 0, so m̂/(√v̂ + eps) = 0 and only the decay moves p: 3 − 0.5·1e-4·3.
    expect(opt.step(3, 0, opt.init(3)).params).toBeCloseTo(3 - 0.5 * 1e-4 * 3, 15);
  });
});

describe("schedules", () => {
  it("cosineDecay is optax.cosine_decay_schedule", () => {
    const s = cosineDecay(2, 10);
    expect([s(0), s(5), s(10), s(20)].map((x) => +x.toFixed(12))).toEqual([2, 1, 0, 0]);
    expect(s(2.5)).toBeCloseTo(2 * 0.5 * (1 + Math.cos(Math.PI / 4)), 15);
    const floor = cosineDecay(1, 4, 0.1);
    expect([floor(0), floor(2), floor(4), floor(9)].map((x) => +x.toFixed(12))).toEqual([1, 0.55, 0.1, 0.1]);
    expect(() => cosineDecay(1, 0)).toThrow("cosineDecay: steps must be a number > 0, got 0");
  });

  it("an optimizer calls the schedule with the steps done before this one (0 first)", () => {
    const seen: number[] = [];
    const opt = sgd({ lr: (step) => (seen.push(step), [0.1, 0.01][step]!) });
    let p = 1;
    let state = opt.init(p);
    ({ params: p, state } = opt.step(p, 1, state));
    ({ params: p, state } = opt.step(p, 1, state));
    expect(seen).toEqual([0, 1]);
    expect(p).toBeCloseTo(1 - 0.1 - 0.01, 15);
  });
});

describe("clipByGlobalNorm", () => {
  const grads = { a: 3, b: [tensor([4], { dtype: "float32" })], label: "carried" };

  it("leaves gradients whose global norm is at most maxNorm as they are", () => {
    expect(clipByGlobalNorm(grads, 5)).toBe(grads);
    expect(clipByGlobalNorm(grads, 10)).toBe(grads);
  });

  it("scales every leaf by maxNorm / norm above it, in new leaves of the same kinds", () => {
    const clipped = clipByGlobalNorm(grads, 2.5); // norm √(3² + 4²) = 5
    expect(clipped.a).toBeCloseTo(1.5, 15);
    expect(clipped.b[0]!.dtype).toBe("float32");
    expect(Array.from(clipped.b[0]!.data)).toEqual([2]);
    expect(clipped.label).toBe("carried");
    expect(grads.b[0]!.data[0]).toBe(4);
    expect(Math.hypot(...flat(clipByGlobalNorm({ w: randomNormal([50], { seed: 3 }) }, 0.5)))).toBeCloseTo(0.5, 12);
  });
});

/** Freezes every object and number[] (typed arrays cannot be frozen: a copy checks those). */
function deepFreeze<T>(x: T): T {
  if (typeof x === "object" && x !== null && !ArrayBuffer.isView(x) && !isTensor(x)) {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

/** The structure with every leaf's values and kind, to compare before and after a step. */
function snapshot(tree: unknown): string {
  return JSON.stringify(mapLeaves((l) => [kind(l), values(l)], tree));
}

describe("every optimizer", () => {
  class Model {
    constructor(
      readonly w: Tensor,
      readonly b: Float32Array,
      readonly scale: number,
      readonly taps: number[],
      readonly name: string,
    ) {}
    describe(): string {
      return `${this.name}: ${this.w.shape.join("x")}`;
    }
  }
  const params = () =>
    new Model(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: "float32" },
      ),
      new Float32Array([1, -1]),
      2,
      [1, 2],
      "m",
    );
  const grads = () => ({
    w: tensor(
      [
        [0.5, -1],
        [2, 0],
      ],
      { dtype: "float32" },
    ),
    b: new Float32Array([1, 2]),
    scale: 1,
    taps: [3, -3],
  });
  const optimizers: Record<string, Optimizer> = {
    sgd: sgd({ lr: 0.1 }),
    momentum: sgd({ lr: 0.1, momentum: 0.9 }),
    nesterov: sgd({ lr: 0.1, momentum: 0.9, nesterov: true }),
    adam: adam({ lr: cosineDecay(0.1, 5) }),
    adamw: adamw({ lr: 0.1, weightDecay: 0.1 }),
  };

  for (const [name, opt] of Object.entries(optimizers)) {
    it(`${name}: mutates nothing, keeps leaf kinds, dtypes, carried values and the class`, () => {
      const p = deepFreeze(params());
      const g = deepFreeze(grads());
      const s = deepFreeze(opt.init(p));
      const before = [snapshot(p), snapshot(g), snapshot(s)];
      const one = opt.step(p, g, s);
      const two = opt.step(one.params, g, one.state);
      expect([snapshot(p), snapshot(g), snapshot(s)]).toEqual(before);
      for (const next of [one.params, two.params]) {
        expect(next).toBeInstanceOf(Model);
        expect(next.describe()).toBe("m: 2x2");
        expect(next.w.dtype).toBe("float32");
        expect(next.b).toBeInstanceOf(Float32Array);
        expect(typeof next.scale).toBe("number");
        expect(Array.isArray(next.taps)).toBe(true);
      }
      expect(flat(two.params)).not.toEqual(flat(p));
      // State leaves have their parameter's kind, so a float32 model keeps float32 state
      // (the state's first leaf is its step count).
      const kinds = leaves(p).map(kind);
      const stateKinds = leaves(two.state).slice(1).map(kind);
      expect(stateKinds).toEqual(stateKinds.map((_, i) => kinds[i % kinds.length]));
    });

    it(`${name}: grads or state that do not match the params name the path`, () => {
      const p = {
        layers: [
          { w: tensor([1, 2]) },
          {
            w: tensor([
              [1, 2],
              [3, 4],
            ]),
          },
        ],
        name: "mlp",
      };
      const s = opt.init(p);
      const g = { layers: [{ w: tensor([1, 1]) }, { w: tensor([1, 2, 3, 4]) }] };
      expect(() => opt.step(p, g, s)).toThrow(
        "grads does not match params at params.layers[1].w: params has a float64 Tensor of shape [2,2], grads has a float64 Tensor of shape [4]",
      );
      expect(() => opt.step(p, { layers: [{ w: tensor([1, 1]) }] }, s)).toThrow(
        "grads does not match params at params.layers: params has an array of length 2, grads has an array of length 1",
      );
      const other = { layers: [{ w: tensor([1, 2]) }, { w: tensor([1, 2]) }], name: "mlp" };
      const state = opt.init(other);
      const entry = "trace" in state ? (state.trace === null ? null : "state.trace") : "state.mu";
      if (entry) {
        expect(() => opt.step(p, { layers: p.layers }, state)).toThrow(
          `${entry} does not match params at params.layers[1].w`,
        );
      }
      expect(() => opt.step(p, { layers: p.layers }, {} as never)).toThrow(/\.step: state must be \{ step/);
    });
  }
});

function kind(leaf: Leaf): string {
  return isTensor(leaf) ? `Tensor ${leaf.dtype}` : typeof leaf === "number" ? "number" : leaf.constructor.name;
}

describe("types", () => {
  it("the state's entries are gradients of the params; step keeps the params' type", () => {
    interface Params {
      layers: { w: Tensor; b: Float64Array }[];
      name: string;
    }
    const params: Params = { layers: [{ w: tensor([1]), b: new Float64Array(1) }], name: "p" };
    const opt = adam({ lr: 0.1 });
    const state = opt.init(params);
    expectTypeOf(state.mu).toEqualTypeOf<Gradient<Params>>();
    expectTypeOf(
      opt.step(params, { layers: [{ w: tensor([1]), b: new Float64Array(1) }] }, state).params,
    ).toEqualTypeOf<Params>();
    // @ts-expect-error: the grads lack the layers' b (and at run time, the same is an Error)
    expect(() => opt.step(params, { layers: [{ w: tensor([1]) }] }, state)).toThrow("params.layers[0].b");
    expectTypeOf(sgd({ lr: 0.1 }).init(params).trace).toEqualTypeOf<Gradient<Params> | null>();
  });
});

describe("end to end", () => {
  // Minimizes Σ (p − target)² over a nested structure; the gradient is 2(p − target).
  const target = {
    layers: [
      {
        w: tensor([
          [1, -2],
          [0.5, 3],
        ]),
        b: new Float64Array([0.25, -0.75]),
      },
      { w: tensor([-1, 2], { dtype: "float32" }), b: [1.5] },
    ],
    scale: -4,
  };
  const init = {
    layers: [
      {
        w: tensor([
          [0, 0],
          [0, 0],
        ]),
        b: new Float64Array(2),
      },
      { w: tensor([0, 0], { dtype: "float32" }), b: [0] },
    ],
    scale: 0,
  };
  const gradient = (p: typeof init) =>
    mapLeaves(
      (x, t) => {
        const d = values(x).map((v, i) => 2 * (v - values(t)[i]!));
        return typeof x === "number"
          ? d[0]!
          : isTensor(x)
            ? tensor(d, { shape: x.shape, dtype: x.dtype })
            : x instanceof Float64Array
              ? new Float64Array(d)
              : d;
      },
      p,
      target,
    ) as Gradient<typeof init>;

  const cases: Record<string, Optimizer> = {
    "adam with a cosine schedule": adam({ lr: cosineDecay(0.3, 400, 0.01) }),
    "sgd with Nesterov momentum": sgd({ lr: 0.05, momentum: 0.9, nesterov: true }),
    "adamw without decay": adamw({ lr: 0.1, weightDecay: 0 }),
  };
  for (const [name, opt] of Object.entries(cases)) {
    it(`${name} converges on a quadratic over a nested structure, its gradients clipped`, () => {
      let params = init;
      let state = opt.init(params);
      for (let i = 0; i < 400; i++) {
        const grads = clipByGlobalNorm(gradient(params), 10);
        ({ params, state } = opt.step(params, grads, state));
      }
      flat(params).forEach((x, i) => expect(x).toBeCloseTo(flat(target)[i]!, 3));
      expect(params.layers[1]!.w.dtype).toBe("float32");
      expect(state.step).toBe(400);
    });
  }
});
