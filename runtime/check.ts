// checkGrad: a generated gradient against central finite differences, like PyTorch's
// gradcheck and JAX's check_grads. The transformer rewrites each call so that it also
// passes the generated gradient of `f` (and `f`'s parameter names); untransformed, the
// call throws like grad().
import { untransformedError, type AnyFunction, type Wrt } from "./markers.js";
import { Tensor, formatShape, isTensor } from "./tensor.js";

export interface CheckGradOptions<W extends Wrt = Wrt> {
  /** The parameter index, or literal array of indices, to check (default 0). */
  readonly wrt?: W;
  /** The finite-difference step, relative to each element's size (at least this much): default 1e-6. */
  readonly eps?: number;
  /** Relative tolerance (default 1e-3, PyTorch's gradcheck). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-5, PyTorch's gradcheck). */
  readonly atol?: number;
}

type Differentiable = number | Tensor | Float64Array | Float32Array | number[];

/**
 * Compares the generated gradient of `f` at `args` (its arguments, in an array) with
 * central finite differences computed in float64 (float32 tensors and arrays are widened
 * for them), element by element: each must satisfy |generated − numeric| ≤ atol + rtol·|numeric|.
 * Throws an Error naming the parameter, the element, both values and the tolerance;
 * otherwise returns the worst relative error, |generated − numeric| / max(1, |numeric|).
 * When `f` returns a tensor, the sum of its elements is differentiated, as grad() does.
 * Markers that change gradients on purpose (stopGradient, gradHook, reverseGradient,
 * customGradient with another backward) make the two differ by design.
 * Rewritten at compile time to pass the generated gradient along.
 * @adjointMarker checkGrad
 */
export function checkGrad<F extends AnyFunction>(f: F, args: Parameters<F>, options?: CheckGradOptions): number;
export function checkGrad(
  f: AnyFunction,
  args: unknown[],
  options: CheckGradOptions = {},
  ...generated: unknown[]
): number {
  const [gradient, names] = generated as [AnyFunction | undefined, string[] | undefined];
  if (typeof gradient !== "function") throw untransformedError("checkGrad", checkGrad);
  const wrt = typeof options.wrt === "number" ? [options.wrt] : options.wrt === undefined ? [0] : [...options.wrt];
  const eps = options.eps ?? 1e-6;
  const rtol = options.rtol ?? 1e-3;
  const atol = options.atol ?? 1e-5;
  // The generated gradient was asked for as a tuple, one entry per wrt parameter.
  const grads = gradient(...args) as unknown[];
  const wide = args.map(widen);
  const scalar = (xs: unknown[]): number => total(f(...xs));
  let worst = 0;
  wrt.forEach((p, k) => {
    const name = names?.[p] ? `parameter ${p} (${names[p]})` : `parameter ${p}`;
    const arg = args[p] as Differentiable;
    const g = grads[k] as Differentiable;
    const generatedValues = valuesOf(g, arg, name);
    const count = typeof arg === "number" ? 1 : isTensor(arg) ? arg.size : arg.length;
    for (let e = 0; e < count; e++) {
      const x = element(wide[p] as Differentiable, e);
      const h = eps * Math.max(1, Math.abs(x));
      const at = (v: number): number =>
        scalar(wide.map((a, i) => (i === p ? withElement(a as Differentiable, e, v) : a)));
      const numeric = (at(x + h) - at(x - h)) / (2 * h);
      const value = generatedValues[e]!;
      const error = Math.abs(value - numeric);
      if (!(error <= atol + rtol * Math.abs(numeric))) {
        const where =
          typeof arg === "number"
            ? ""
            : ` element ${e}${isTensor(arg) && arg.shape.length > 1 ? ` (index [${unravel(e, arg.shape)}])` : ""}`;
        throw new Error(
          `checkGrad: ${name}${where}: the generated gradient is ${value}, finite differences give ${numeric} ` +
            `(allowed |difference| ≤ ${atol} + ${rtol}·|numeric| = ${atol + rtol * Math.abs(numeric)}, difference ${error})`,
        );
      }
      worst = Math.max(worst, error / Math.max(1, Math.abs(numeric)));
    }
  });
  return worst;
}

/** The function's value as one number: the sum of a tensor's elements. */
function total(y: unknown): number {
  if (typeof y === "number") return y;
  if (isTensor(y)) {
    let s = 0;
    for (const v of y.data) s += v;
    return s;
  }
  throw new Error("checkGrad: the function must return a number or a Tensor");
}

/** A float64 copy of an argument for the finite differences; anything else as it is. */
function widen(a: unknown): unknown {
  if (isTensor(a)) return new Tensor(Float64Array.from(a.data), a.shape);
  if (a instanceof Float32Array) return Float64Array.from(a);
  return a;
}

function element(a: Differentiable, e: number): number {
  if (typeof a === "number") return a;
  return isTensor(a) ? a.data[e]! : a[e]!;
}

/** A copy of `a` with element `e` set to `v`. */
function withElement(a: Differentiable, e: number, v: number): Differentiable {
  if (typeof a === "number") return v;
  if (isTensor(a)) {
    const data = Float64Array.from(a.data);
    data[e] = v;
    return new Tensor(data, a.shape);
  }
  const copy = a.slice();
  copy[e] = v;
  return copy;
}

/** The generated gradient's elements, after checking it has the parameter's type, shape and dtype. */
function valuesOf(g: Differentiable, arg: Differentiable, name: string): ArrayLike<number> {
  if (typeof arg === "number") {
    if (typeof g !== "number") throw new Error(`checkGrad: ${name} is a number but its gradient is not`);
    return [g];
  }
  if (isTensor(arg)) {
    if (!isTensor(g)) throw new Error(`checkGrad: ${name} is a Tensor but its gradient is not`);
    if (formatShape(g.shape) !== formatShape(arg.shape) || g.dtype !== arg.dtype) {
      throw new Error(
        `checkGrad: ${name} has shape ${formatShape(arg.shape)} ${arg.dtype} but its gradient ${formatShape(g.shape)} ${g.dtype}`,
      );
    }
    return g.data;
  }
  if (isTensor(g) || typeof g === "number" || g.length !== arg.length)
    throw new Error(`checkGrad: ${name}'s gradient is not an array of its length`);
  return g;
}

function unravel(e: number, shape: readonly number[]): number[] {
  const index: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(e % shape[d]!);
    e = Math.floor(e / shape[d]!);
  }
  return index;
}
