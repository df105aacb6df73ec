// The differentiation markers. The transformer (adjoint/transform) recognises a call to
// one of these by the `@adjointMarker` tag on the declaration it resolves to, never by
// its name, so renamed imports work and a user's own `grad` is left alone.
//
// grad / vjp / valueAndGrad / jvp / hvp / hessian / jacobian are rewritten at compile time; reaching one of them at run
// time means the transformer did not run on the calling file, so they throw. The
// markers that may appear inside differentiated code are identities at run time, so a
// function that uses them still runs normally when called directly.

import type { Tensor } from "./tensor.js";
import type { Gradient } from "./tree.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => any;

/** A parameter index, or a literal array of indices. */
export type Wrt = number | readonly number[];

export interface GradOptions<W extends Wrt = Wrt> {
  /** The parameter index, or literal array of indices, to differentiate with respect to (default 0). */
  readonly wrt?: W;
}

type ParamAt<F extends AnyFunction, I> = I extends number ? Gradient<Parameters<F>[I]> : never;

/** The type of `f`'s gradient for `wrt`: its parameter's `Gradient`, or a tuple of them for an array `wrt`. */
export type GradientOf<F extends AnyFunction, W> = W extends readonly number[]
  ? { -readonly [K in keyof W]: ParamAt<F, W[K]> }
  : ParamAt<F, W>;

/** How to get the transformer to run, for the error a marker throws when it did not. */
export const PLUGIN_HINT = [
  "Build it through one of:",
  '  Vite / Vitest: import adjoint from "adjoint/vite" and plugins: [adjoint()] in vite.config / vitest.config',
  '  esbuild, Rollup, webpack, Rolldown: the same from "adjoint/esbuild", "adjoint/rollup", "adjoint/webpack", "adjoint/rolldown"',
  "  the CLI: npx adjoint build -p tsconfig.json (TypeScript 7 projects too)",
  '  tsc: "compilerOptions": { "plugins": [{ "transform": "adjoint/transform" }] } in tsconfig.json, built with tspc',
  '    (plain tsc ignores plugins), or run by ts-node with "ts-node": { "compiler": "ts-patch/compiler" }',
  "npx adjoint setup adds this to your project.",
].join("\n");

/** The run-time error of a marker (`grad`, ..., `checkGrad`) that the transformer did not rewrite. */
export function untransformedError(name: string, marker: AnyFunction): Error {
  const at = callerLocation(marker);
  return new Error(
    `adjoint: ${name}() was called at run time, so the adjoint transformer did not run on this file` +
      `${at ? ` (${at})` : ""}.\n${PLUGIN_HINT}`,
  );
}

/**
 * Where `marker` was called from, `file:line`, when the engine can tell cheaply (V8's
 * Error.captureStackTrace, which drops the frames from `marker` up); otherwise undefined.
 */
function callerLocation(marker: AnyFunction): string | undefined {
  const capture = (Error as { captureStackTrace?: (target: object, above?: AnyFunction) => void }).captureStackTrace;
  if (typeof capture !== "function") return undefined;
  const holder: { stack?: unknown } = {};
  capture(holder, marker);
  if (typeof holder.stack !== "string") return undefined;
  const frame = holder.stack.split("\n").find((line) => /^\s+at /.test(line));
  const where = frame && /\(?([^\s()]+):(\d+):\d+\)?\s*$/.exec(frame);
  if (!where || where[1]!.startsWith("node:") || where[1]!.startsWith("<")) return undefined;
  return `${where[1]}:${where[2]}`;
}

/**
 * The gradient of `f` with respect to the parameters in `options.wrt` (default 0).
 * Rewritten at compile time into a generated adjoint function.
 * @adjointMarker grad
 */
export function grad<F extends AnyFunction, const W extends Wrt = 0>(
  f: F,
  options?: GradOptions<W>,
): (...args: Parameters<F>) => GradientOf<F, W> {
  void f;
  void options;
  throw untransformedError("grad", grad);
}

/**
 * The vector-Jacobian product: `vjp(f)(...args, seed)` is the gradient of `sum(seed * f(...args))`.
 * @adjointMarker vjp
 */
export function vjp<F extends AnyFunction, const W extends Wrt = 0>(
  f: F,
  options?: GradOptions<W>,
): (...argsAndSeed: [...Parameters<F>, ReturnType<F>]) => GradientOf<F, W> {
  void f;
  void options;
  throw untransformedError("vjp", vjp);
}

/** valueAndGrad's options: with `hasAux: true`, `f` returns `[value, aux]` and only the value is differentiated (JAX's has_aux). */
export interface ValueAndGradOptions<W extends Wrt = Wrt, A extends boolean = boolean> extends GradOptions<W> {
  readonly hasAux?: A;
}

/** What valueAndGrad's function returns: `{ value, grad }`, or `{ value, aux, grad }` with hasAux. */
export type ValueAndGradient<F extends AnyFunction, W, A extends boolean> = A extends true
  ? ReturnType<F> extends readonly [infer V, infer X]
    ? { value: V; aux: X; grad: GradientOf<F, W> }
    : // An array literal returned without a tuple type (annotate the return type, or add `as const`, for exact types).
      ReturnType<F> extends readonly (infer E)[]
      ? { value: E; aux: E; grad: GradientOf<F, W> }
      : never
  : { value: ReturnType<F>; grad: GradientOf<F, W> };

/**
 * The value of `f` and its gradient, from one generated function (callees' forward passes may run twice: see the README).
 * With `{ hasAux: true }`, `f` returns `[value, aux]`: the aux is computed once and carries no gradient.
 * @adjointMarker valueAndGrad
 */
export function valueAndGrad<F extends AnyFunction, const W extends Wrt = 0, const A extends boolean = false>(
  f: F,
  options?: ValueAndGradOptions<W, A>,
): (...args: Parameters<F>) => ValueAndGradient<F, W, A> {
  void f;
  void options;
  throw untransformedError("valueAndGrad", valueAndGrad);
}

/** jvp's, hvp's and hessian's options: one parameter index (a literal, default 0). */
export interface WrtOptions<W extends number = number> {
  /** The parameter to differentiate with respect to (default 0). */
  readonly wrt?: W;
}

/**
 * Forward mode (JAX's jvp): `jvp(f)(...args, tangent)` is `f`'s value and its directional
 * derivative along `tangent`, a value of parameter `wrt`'s type and shape.
 * @adjointMarker jvp
 */
export function jvp<F extends AnyFunction, const W extends number = 0>(
  f: F,
  options?: WrtOptions<W>,
): (...argsAndTangent: [...Parameters<F>, Parameters<F>[W]]) => { value: ReturnType<F>; tangent: ReturnType<F> } {
  void f;
  void options;
  throw untransformedError("jvp", jvp);
}

/**
 * The Hessian-vector product: `hvp(f)(...args, v)` is H·v, H the Hessian of `f` (a scalar
 * function) in parameter `wrt`, computed without forming H; `v` and the result have the parameter's type and shape.
 * @adjointMarker hvp
 */
export function hvp<F extends AnyFunction, const W extends number = 0>(
  f: F,
  options?: WrtOptions<W>,
): (...argsAndVector: [...Parameters<F>, Parameters<F>[W]]) => Gradient<Parameters<F>[W]> {
  void f;
  void options;
  throw untransformedError("hvp", hvp);
}

/**
 * The type of a Hessian in a parameter of type `P`: a number for a number; for a Tensor of
 * shape S, a Tensor of shape [...S, ...S]; for an array of length n, n rows of its kind.
 */
export type Hessian<P> = P extends number
  ? number
  : P extends Tensor
    ? Tensor
    : P extends Float64Array
      ? Float64Array[]
      : P extends Float32Array
        ? Float32Array[]
        : P extends readonly number[]
          ? number[][]
          : never;

/**
 * The Hessian of `f` (a scalar function) in parameter `wrt`, of a number, a Tensor, a
 * Float64Array, a Float32Array or a number[]: one Hessian-vector product per element.
 * @adjointMarker hessian
 */
export function hessian<F extends AnyFunction, const W extends number = 0>(
  f: F,
  options?: WrtOptions<W>,
): (...args: Parameters<F>) => Hessian<Parameters<F>[W]> {
  void f;
  void options;
  throw untransformedError("hessian", hessian);
}

/** jacobian's options: the parameter, and whether it builds columns (forward, one jvp per input element) or rows (reverse, one vjp per output element). */
export interface JacobianOptions<W extends number = number> extends WrtOptions<W> {
  /** "forward" costs one pass per element of the parameter, "reverse" one per element of the value; without it the transformer chooses. */
  readonly mode?: "forward" | "reverse";
}

/** A leaf type's own kind, for Jacobian: a readonly number[] is a number[]. */
type LeafKind<T> = T extends number
  ? number
  : T extends Tensor
    ? Tensor
    : T extends Float64Array
      ? Float64Array
      : T extends Float32Array
        ? Float32Array
        : T extends readonly number[]
          ? number[]
          : never;

type ArrayLeaf = Float64Array | Float32Array | readonly number[];

/**
 * The type of the Jacobian J[i][j] = ∂y_i/∂x_j of a value of type `Y` in a parameter of type `X`:
 * the other side's kind when one side is a number; a Tensor of shape [...yShape, ...xShape] when
 * either is a Tensor; otherwise (two arrays) one row per element of y, of x's kind.
 */
export type Jacobian<Y, X> = [Y] extends [number]
  ? LeafKind<X>
  : [X] extends [number]
    ? LeafKind<Y>
    : [Y] extends [Tensor]
      ? [X] extends [Tensor | ArrayLeaf]
        ? Tensor
        : never
      : [X] extends [Tensor]
        ? [Y] extends [ArrayLeaf]
          ? Tensor
          : never
        : [Y] extends [ArrayLeaf]
          ? [X] extends [ArrayLeaf]
            ? LeafKind<X>[]
            : never
          : never;

/**
 * The Jacobian of `f` in parameter `wrt` (a number, a Tensor or an array, as is `f`'s value),
 * laid out as J[i][j] = ∂y_i/∂x_j (see `Jacobian`).
 * @adjointMarker jacobian
 */
export function jacobian<F extends AnyFunction, const W extends number = 0>(
  f: F,
  options?: JacobianOptions<W>,
): (...args: Parameters<F>) => Jacobian<ReturnType<F>, Parameters<F>[W]> {
  void f;
  void options;
  throw untransformedError("jacobian", jacobian);
}

/**
 * `x` in the forward pass; no gradient flows into `x` through it (tf.stop_gradient, torch `.detach()`).
 * @adjointMarker stopGradient
 */
export function stopGradient<T>(x: T): T {
  return x;
}

/**
 * `x` in the forward pass; in the backward pass the gradient `g` of the result is replaced
 * by `hook(g)` before it flows into `x` (torch `register_hook`).
 * @adjointMarker gradHook
 */
export function gradHook<T>(x: T, hook: (g: T) => T): T {
  void hook;
  return x;
}

/**
 * `x` in the forward pass; the gradient is multiplied by `-lambda` in the backward pass
 * (the gradient reversal layer of Ganin and Lempitsky, 2015).
 * @adjointMarker reverseGradient
 */
export function reverseGradient<T>(x: T, lambda: number = 1): T {
  void lambda;
  return x;
}

/**
 * A function that computes `forward(...args)` and whose gradient inside differentiated code
 * is `backward(g, ...args)`: the gradient for a one-parameter `forward`, or an array with one
 * entry per parameter (`null` for none). With `tangent`, forward mode (jvp) goes through it
 * too: `tangent(tangents, ...args)` is the result's tangent, given one tangent per argument
 * (zero for an argument that does not vary). Without it, forward mode refuses it (ADJ215).
 * @adjointMarker customGradient
 */
export function customGradient<F extends AnyFunction>(
  forward: F,
  backward: (g: ReturnType<F>, ...args: Parameters<F>) => unknown,
  tangent?: (tangents: Parameters<F>, ...args: Parameters<F>) => ReturnType<F>,
): F {
  const fn = (...args: Parameters<F>) => forward(...args);
  // Generated code finds the backward (and the tangent) here (runtime/internal/adjoints.ts).
  Object.defineProperty(fn, CUSTOM_BACKWARD, { value: backward });
  if (tangent) Object.defineProperty(fn, CUSTOM_TANGENT, { value: tangent });
  return fn as F;
}

/** Where customGradient keeps a function's tangent rule, when given. */
export const CUSTOM_TANGENT: unique symbol = Symbol.for("adjoint.customGradient.tangent");

/** Where customGradient keeps a function's backward. */
export const CUSTOM_BACKWARD: unique symbol = Symbol.for("adjoint.customGradient.backward");
