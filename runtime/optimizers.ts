// Optimizers, functional like optax (API.md "Optimizers"): `opt.init(params)` gives a state,
// `opt.step(params, grads, state)` gives new params and a new state, for any parameter
// structure (runtime/tree.ts). Nothing is mutated: each step allocates one buffer per leaf
// for the parameters and per leaf for each state entry, and fills it with one plain loop.
// Every leaf keeps its kind and dtype (a float32 Tensor stays float32, a number a number);
// the state's leaves have their parameter's kind, as PyTorch keeps optimizer state in the
// parameter's dtype. Arithmetic is in float64, rounded when stored.
import {
  GRADIENT,
  SAME_STRUCTURE,
  checkLeaves,
  elements,
  emptyLike,
  leaves,
  mapTree,
  wrapLike,
  zerosLikeTree,
  type Buffer,
  type Gradient,
  type Leaf,
} from "./tree.js";

/** A learning rate as a function of the step count: 0 for the first step, as optax's schedules. */
export type Schedule = (step: number) => number;

/** A fixed learning rate, or a schedule. */
export type LearningRate = number | Schedule;

export interface SgdOptions {
  readonly lr: LearningRate;
  /** The momentum coefficient (default 0: plain SGD, no state but the step count). */
  readonly momentum?: number;
  /** Nesterov momentum (needs a momentum above 0). */
  readonly nesterov?: boolean;
}

export interface AdamOptions {
  readonly lr: LearningRate;
  /** The decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** The decay of the second moment (default 0.999). */
  readonly b2?: number;
  /** Added to the root of the second moment (default 1e-8). */
  readonly eps?: number;
}

export interface AdamWOptions extends AdamOptions {
  /** The decoupled weight decay, multiplied by the learning rate as in optax and PyTorch (default 1e-4). */
  readonly weightDecay?: number;
}

/** SGD's state: with momentum, the trace (velocity) of each leaf; without, `null`. */
export interface SgdState<P = unknown> {
  readonly step: number;
  readonly trace: Gradient<P> | null;
}

/** Adam's and AdamW's state: the first and second moments of each leaf. */
export interface AdamState<P = unknown> {
  readonly step: number;
  readonly mu: Gradient<P>;
  readonly nu: Gradient<P>;
}

interface States<P> {
  sgd: SgdState<P>;
  adam: AdamState<P>;
}

/**
 * An optimizer: `init` once, then `({ params, state } = opt.step(params, grads, state))` per
 * step. `Optimizer` alone (any kind) types one chosen at run time (`useAdam ? adam(o) : sgd(o)`).
 */
export interface Optimizer<Kind extends keyof States<unknown> = keyof States<unknown>> {
  /** The state before the first step: step 0 and zeros shaped like each leaf of `params`. */
  init<P>(params: P): States<P>[Kind];
  /** New parameters (carried values and objects' prototypes kept) and the next state; the inputs are unchanged. */
  step<P>(
    params: P,
    grads: NoInfer<Gradient<P>>,
    state: NoInfer<States<P>[Kind]>,
  ): { params: P; state: States<P>[Kind] };
}

/**
 * Stochastic gradient descent, optionally with momentum or Nesterov momentum. PyTorch's and
 * optax's convention (they agree, PyTorch with dampening 0): the trace is t = g + momentum·t,
 * starting from zeros, and the update p − lr·t, or p − lr·(g + momentum·t) with Nesterov.
 */
export function sgd(options: SgdOptions): Optimizer<"sgd"> {
  const lr = learningRate("sgd", options.lr);
  const momentum = options.momentum ?? 0;
  const nesterov = options.nesterov ?? false;
  if (!(momentum >= 0 && momentum < Infinity)) throw new Error(`sgd: momentum must be a number ≥ 0, got ${momentum}`);
  if (nesterov && momentum === 0) throw new Error("sgd: nesterov needs a momentum above 0");
  return {
    init: (params) => ({ step: 0, trace: momentum > 0 ? zerosLikeTree(params) : null }),
    step(params, grads, state) {
      const step = checkState("sgd", state, momentum > 0 ? ["trace"] : []);
      const rate = lr(step);
      if (momentum === 0) {
        const next = mapTree(
          [params, grads],
          ["params", "grads"],
          "sgd.step",
          ([p, g], where) => {
            checkLeaves("sgd.step", p!, g!, "params", "grads", where);
            const pd = elements(p!);
            const gd = elements(g!);
            const po = emptyLike(p!);
            sgdLoop(pd, gd, po, rate);
            return wrapLike(p!, po);
          },
          SAME_STRUCTURE,
        );
        return { params: next as typeof params, state: { step: step + 1, trace: null } };
      }
      const traces: Leaf[] = [];
      const names = ["params", "grads", "state.trace"];
      const next = mapTree(
        [params, grads, state.trace],
        names,
        "sgd.step",
        ([p, g, t], where) => {
          checkLeaves("sgd.step", p!, g!, "params", "grads", where);
          checkLeaves("sgd.step", p!, t!, "params", "state.trace", where);
          const pd = elements(p!);
          const gd = elements(g!);
          const td = elements(t!);
          const po = emptyLike(p!);
          const to = emptyLike(t!);
          momentumLoop(pd, gd, td, po, to, rate, momentum, nesterov);
          traces.push(wrapLike(t!, to));
          return wrapLike(p!, po);
        },
        SAME_STRUCTURE,
      );
      const trace = rebuild(params, traces) as Gradient<typeof params>;
      return { params: next as typeof params, state: { step: step + 1, trace } };
    },
  };
}

/**
 * Adam (Kingma and Ba, 2015, Algorithm 1), as optax.adam and torch.optim.Adam: at step t
 * (from 1) m = b1·m + (1−b1)·g, v = b2·v + (1−b2)·g², and
 * p − lr·m̂/(√v̂ + eps) with m̂ = m/(1−b1^t), v̂ = v/(1−b2^t).
 */
export function adam(options: AdamOptions): Optimizer<"adam"> {
  return adamFamily("adam", options, 0);
}

/**
 * AdamW (Loshchilov and Hutter, 2019, Algorithm 2), as optax.adamw and torch.optim.AdamW:
 * Adam's update plus the decoupled decay, p − lr·(m̂/(√v̂ + eps) + weightDecay·p). The
 * paper's λ scaled by its schedule multiplier η_t is lr·weightDecay here.
 */
export function adamw(options: AdamWOptions): Optimizer<"adam"> {
  const weightDecay = options.weightDecay ?? 1e-4;
  if (!(weightDecay >= 0 && weightDecay < Infinity)) {
    throw new Error(`adamw: weightDecay must be a number ≥ 0, got ${weightDecay}`);
  }
  return adamFamily("adamw", options, weightDecay);
}

function adamFamily(who: string, options: AdamOptions, weightDecay: number): Optimizer<"adam"> {
  const lr = learningRate(who, options.lr);
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  for (const [name, b] of [
    ["b1", b1],
    ["b2", b2],
  ] as const) {
    if (!(b >= 0 && b < 1)) throw new Error(`${who}: ${name} must be in [0, 1), got ${b}`);
  }
  if (!(eps >= 0 && eps < Infinity)) throw new Error(`${who}: eps must be a number ≥ 0, got ${eps}`);
  const stepName = `${who}.step`;
  return {
    init: (params) => ({ step: 0, mu: zerosLikeTree(params), nu: zerosLikeTree(params) }),
    step(params, grads, state) {
      const step = checkState(who, state, ["mu", "nu"]);
      const rate = lr(step);
      const correction1 = 1 - b1 ** (step + 1);
      const correction2 = 1 - b2 ** (step + 1);
      const mus: Leaf[] = [];
      const nus: Leaf[] = [];
      const names = ["params", "grads", "state.mu", "state.nu"];
      const next = mapTree(
        [params, grads, state.mu, state.nu],
        names,
        stepName,
        ([p, g, m, v], where) => {
          checkLeaves(stepName, p!, g!, "params", "grads", where);
          checkLeaves(stepName, p!, m!, "params", "state.mu", where);
          checkLeaves(stepName, p!, v!, "params", "state.nu", where);
          const pd = elements(p!);
          const gd = elements(g!);
          const md = elements(m!);
          const vd = elements(v!);
          const po = emptyLike(p!);
          const mo = emptyLike(m!);
          const vo = emptyLike(v!);
          adamLoop(pd, gd, md, vd, po, mo, vo, b1, b2, eps, correction1, correction2, rate, weightDecay);
          mus.push(wrapLike(m!, mo));
          nus.push(wrapLike(v!, vo));
          return wrapLike(p!, po);
        },
        SAME_STRUCTURE,
      );
      const mu = rebuild(params, mus) as Gradient<typeof params>;
      const nu = rebuild(params, nus) as Gradient<typeof params>;
      return { params: next as typeof params, state: { step: step + 1, mu, nu } };
    },
  };
}

// The loops, at module level with their constants in arguments: one small function per
// update, which V8 optimizes once for the kinds of arrays a model has (Adam's loop inside the
// step's closure measured 1.5× slower than the same loop written by hand; here they are even).
function sgdLoop(pd: ArrayLike<number>, gd: ArrayLike<number>, po: Buffer, rate: number): void {
  for (let i = 0; i < po.length; i++) po[i] = pd[i]! - rate * gd[i]!;
}

function momentumLoop(
  pd: ArrayLike<number>,
  gd: ArrayLike<number>,
  td: ArrayLike<number>,
  po: Buffer,
  to: Buffer,
  rate: number,
  momentum: number,
  nesterov: boolean,
): void {
  for (let i = 0; i < po.length; i++) {
    const gi = gd[i]!;
    to[i] = gi + momentum * td[i]!;
    const ti = to[i]!; // as stored, so a float32 trace steps as it is kept
    po[i] = pd[i]! - rate * (nesterov ? gi + momentum * ti : ti);
  }
}

function adamLoop(
  pd: ArrayLike<number>,
  gd: ArrayLike<number>,
  md: ArrayLike<number>,
  vd: ArrayLike<number>,
  po: Buffer,
  mo: Buffer,
  vo: Buffer,
  b1: number,
  b2: number,
  eps: number,
  correction1: number,
  correction2: number,
  rate: number,
  weightDecay: number,
): void {
  for (let i = 0; i < po.length; i++) {
    const gi = gd[i]!;
    const pi = pd[i]!;
    mo[i] = b1 * md[i]! + (1 - b1) * gi;
    vo[i] = b2 * vd[i]! + (1 - b2) * gi * gi;
    const mHat = mo[i]! / correction1;
    const vHat = vo[i]! / correction2;
    po[i] = pi - rate * (mHat / (Math.sqrt(vHat) + eps) + weightDecay * pi);
  }
}

/**
 * `grads` scaled by maxNorm / ‖grads‖ when their global norm ‖grads‖ (the root of the sum of
 * every element's square, over all leaves) exceeds `maxNorm`; otherwise `grads` itself
 * (optax.clip_by_global_norm, torch.nn.utils.clip_grad_norm_ without the mutation).
 */
export function clipByGlobalNorm<G>(grads: G, maxNorm: number): G {
  if (!(maxNorm >= 0)) throw new Error(`clipByGlobalNorm: maxNorm must be a number ≥ 0, got ${maxNorm}`);
  let squares = 0;
  for (const leaf of leaves(grads)) squares += sumOfSquares(elements(leaf));
  const norm = Math.sqrt(squares);
  if (norm <= maxNorm) return grads;
  const scale = maxNorm / norm;
  return mapTree(
    [grads],
    ["grads"],
    "clipByGlobalNorm",
    ([g]) => {
      const out = emptyLike(g!);
      scaleLoop(elements(g!), out, scale);
      return wrapLike(g!, out);
    },
    SAME_STRUCTURE,
  ) as G;
}

function sumOfSquares(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]! * xs[i]!;
  return sum;
}

function scaleLoop(xs: ArrayLike<number>, out: Buffer, scale: number): void {
  for (let i = 0; i < out.length; i++) out[i] = xs[i]! * scale;
}

/**
 * optax.cosine_decay_schedule: lr·((1 − alpha)·½(1 + cos(π·min(step, steps)/steps)) + alpha),
 * from `lr` at step 0 down to `alpha·lr` at `steps`, and constant after.
 */
export function cosineDecay(lr: number, steps: number, alpha: number = 0): Schedule {
  if (!Number.isFinite(lr)) throw new Error(`cosineDecay: lr must be a finite number, got ${lr}`);
  if (!(steps > 0 && steps < Infinity)) throw new Error(`cosineDecay: steps must be a number > 0, got ${steps}`);
  if (!Number.isFinite(alpha)) throw new Error(`cosineDecay: alpha must be a finite number, got ${alpha}`);
  return (step) => {
    const done = Math.min(Math.max(step, 0), steps);
    return lr * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * done) / steps)) + alpha);
  };
}

function learningRate(who: string, lr: LearningRate): Schedule {
  if (typeof lr === "number") {
    if (!Number.isFinite(lr)) throw new Error(`${who}: lr must be a finite number or a schedule, got ${lr}`);
    return () => lr;
  }
  if (typeof lr !== "function") throw new Error(`${who}: lr must be a finite number or a schedule, got ${typeof lr}`);
  return (step) => {
    const rate = lr(step);
    if (typeof rate !== "number" || !Number.isFinite(rate)) {
      throw new Error(`${who}: the lr schedule gave ${String(rate)} at step ${step}; it must give a finite number`);
    }
    return rate;
  };
}

/** The state's step count, after checking that the state has the step and `entries` of `who`'s init. */
function checkState(who: string, state: unknown, entries: readonly string[]): number {
  const s = state as Record<string, unknown> | null;
  const fits =
    typeof s === "object" &&
    s !== null &&
    Number.isInteger(s.step) &&
    (s.step as number) >= 0 &&
    entries.every((e) => s[e] !== undefined && s[e] !== null);
  if (!fits) {
    const expected = ["step", ...entries].join(", ");
    throw new Error(`${who}.step: state must be { ${expected} }, the state ${who}(...).init(params) or step gave`);
  }
  return s.step as number;
}

/** The state entry shaped like `params` (as a gradient) whose leaves are `values`, in walk order. */
function rebuild(params: unknown, values: readonly Leaf[]): unknown {
  let next = 0;
  return mapTree([params], ["params"], "rebuild", () => values[next++], GRADIENT);
}
