// Parameter structures ("pytrees", API.md "Structured values"): what is a leaf, what is a
// container, and the few walks over them that gradients and optimizers need.
//
// Leaves: `number`, `Tensor`, `Float64Array`, `Float32Array` and `number[]` (an array whose
// elements are all numbers, the empty array included, is one leaf, as a Float64Array is).
// Containers: arrays of anything else, and objects, read through their own enumerable
// properties (a class instance's own fields too), nested to any depth. Everything else
// (strings, booleans, functions, null, undefined, other typed arrays, Maps, Dates, ...) is
// carried: it has no gradient.
import type { AnyFunction } from "./markers.js";
import { Tensor, formatShape, isTensor, sameShape, zeros } from "./tensor.js";

/** A value with a gradient of its own kind and size. */
export type Leaf = number | Tensor | Float64Array | Float32Array | number[];

/** The gradient type of a tuple position: `undefined` where the element has none, so later positions keep their index. */
type Slot<T> = [Gradient<T>] extends [never] ? undefined : Gradient<T>;

/**
 * The gradient of a value of type `T`: the same structure, as plain objects and arrays, with
 * each leaf's own type (`number`, `Tensor`, `Float64Array`, `Float32Array`, `number[]`).
 * Properties whose type has no gradient (strings, booleans, functions, methods, ...) are
 * dropped; a tuple position without one is `undefined`.
 */
export type Gradient<T> = T extends number
  ? number
  : T extends Tensor | Float64Array | Float32Array
    ? T
    : T extends readonly number[]
      ? number[]
      : T extends readonly unknown[]
        ? number extends T["length"]
          ? Gradient<T[number]>[]
          : { -readonly [K in keyof T]: Slot<T[K]> }
        : T extends string | boolean | bigint | symbol | null | undefined | AnyFunction
          ? never
          : T extends object
            ? { -readonly [K in keyof T as [Gradient<T[K]>] extends [never] ? never : K]: Gradient<T[K]> }
            : never;

/** The type of mapLeaves' result: `T` with each leaf's type replaced by `R`, carried values kept. */
export type MappedLeaves<T, R> = T extends number | Tensor | Float64Array | Float32Array | readonly number[]
  ? R
  : T extends AnyFunction
    ? T
    : T extends object
      ? { -readonly [K in keyof T]: MappedLeaves<T[K], R> }
      : T;

/** Whether `x` is a leaf: a number, a Tensor, a Float64Array or Float32Array, or an array of numbers only. */
export function isLeaf(x: unknown): x is Leaf {
  return (
    typeof x === "number" ||
    x instanceof Float64Array ||
    x instanceof Float32Array ||
    isTensor(x) ||
    (Array.isArray(x) && x.every((e) => typeof e === "number"))
  );
}

function isContainer(x: unknown): x is object {
  if (typeof x !== "object" || x === null || isLeaf(x)) return false;
  // Objects that hold their values elsewhere than in own properties are carried whole.
  return !(ArrayBuffer.isView(x) || x instanceof Map || x instanceof Set || x instanceof Date || x instanceof RegExp);
}

/** The leaves of `tree`, in the order every walk here visits them (depth first, keys in Object.keys order). */
export function leaves(tree: unknown): Leaf[] {
  const out: Leaf[] = [];
  mapTree([tree], ["tree"], "leaves", (xs) => out.push(xs[0]!), { carried: "drop", prototypes: false });
  return out;
}

/**
 * `f` applied to each leaf of `tree` and the leaves at the same place in `others` (structures
 * of the same shape), in a new structure shaped like `tree` (arrays, and objects with the
 * prototype of `tree`'s, so a class instance stays one: JAX's tree_map). Carried values of `tree` are kept as they are, and `others` need nothing there (a gradient
 * has no entry for them). Throws an Error naming the path (`tree.layers[1].w`) where a
 * structure differs from `tree`.
 */
export function mapLeaves<T, R>(
  f: (leaf: Leaf, ...others: Leaf[]) => R,
  tree: T,
  ...others: unknown[]
): MappedLeaves<T, R> {
  const names = ["tree", ...others.map((_, i) => `structure ${i + 2}`)];
  const apply = (xs: Leaf[]) => f(...(xs as [Leaf, ...Leaf[]]));
  return mapTree([tree, ...others], names, "mapLeaves", apply, SAME_STRUCTURE) as MappedLeaves<T, R>;
}

/** Zeros of every leaf's kind, shape and dtype: the gradient of a value that does not depend on `tree`. */
export function zerosLikeTree<T>(tree: T): Gradient<T> {
  return mapTree([tree], ["tree"], "zerosLikeTree", ([x]) => zerosLikeLeaf(x!), GRADIENT) as Gradient<T>;
}

/**
 * The gradient of `tree` given the gradients of some of its leaves: `known` is a partial
 * structure of plain objects keyed like `tree` (tuple positions by index), holding at each
 * leaf it names that leaf's gradient, of the leaf's kind and shape. Every other leaf gets
 * zeros. Generated code builds a structure parameter's gradient with it (transformer/reverse.ts).
 */
export function structureGradient<T>(tree: T, known: object): Gradient<T> {
  const ancestors = new Set<object>();
  const visit = (x: unknown, given: unknown): unknown => {
    if (isLeaf(x)) {
      // The transformer gives a leaf's gradient as a leaf; anything else is its bug, not the user's.
      if (given !== undefined && !isLeaf(given))
        throw new Error(`adjoint internal error: structureGradient got ${describe(given)} for ${describe(x)}`);
      return given ?? zerosLikeLeaf(x);
    }
    if (!isContainer(x)) return undefined;
    if (ancestors.has(x)) throw new Error("structureGradient: the parameter contains itself");
    ancestors.add(x);
    const at = (key: string | number): unknown => (given as Record<string | number, unknown> | undefined)?.[key];
    let out: unknown;
    if (Array.isArray(x)) out = x.map((e, i) => visit(e, at(i)));
    else {
      const result: Record<string, unknown> = {};
      for (const key of Object.keys(x)) {
        const value = (x as Record<string, unknown>)[key];
        if (!isLeaf(value) && !isContainer(value)) continue;
        const g = visit(value, at(key));
        if (key === "__proto__") Object.defineProperty(result, key, { value: g, enumerable: true, writable: true });
        else result[key] = g;
      }
      out = result;
    }
    ancestors.delete(x);
    return out;
  };
  return visit(tree, known) as Gradient<T>;
}

/** The sum of two gradients of the same structure, leaf by leaf (new leaves; the inputs are unchanged). */
export function addTrees<T>(a: T, b: T): T {
  return mapTree(
    [a, b],
    ["a", "b"],
    "addTrees",
    ([x, y], where) => {
      checkLeaves("addTrees", x!, y!, "a", "b", where);
      if (typeof x === "number") return x + (y as number);
      const xs = elements(x!);
      const ys = elements(y!);
      const out = emptyLike(x!);
      for (let i = 0; i < out.length; i++) out[i] = xs[i]! + ys[i]!;
      return wrapLike(x!, out);
    },
    GRADIENT,
  ) as T;
}

// ---- the one walk -------------------------------------------------------------------

export interface MapTreeOptions {
  /** "keep": carried values of the first tree are copied over as they are; "drop": left out (a gradient's shape). */
  readonly carried: "keep" | "drop";
  /** Whether a result object takes the first tree's object's prototype (updated parameters keep their class). */
  readonly prototypes: boolean;
}

/** How gradients (and optimizer state) are built: plain objects and arrays, nothing carried. */
export const GRADIENT: MapTreeOptions = { carried: "drop", prototypes: false };
/** How mapLeaves and the optimizers' new parameters are built: carried values and prototypes kept. */
export const SAME_STRUCTURE: MapTreeOptions = { carried: "keep", prototypes: true };

/**
 * Zips `trees` (named `names` in errors, the first one's name also the root of paths) and
 * builds a structure shaped like the first, with `f` of the leaves at each place. `where()`
 * formats the current path, for `f`'s own errors. `who` starts every error message.
 */
export function mapTree(
  trees: readonly unknown[],
  names: readonly string[],
  who: string,
  f: (leaves: Leaf[], where: () => string) => unknown,
  options: MapTreeOptions,
): unknown {
  const path: (string | number)[] = [];
  const ancestors = new Set<object>();
  const where = () => formatPath(names[0]!, path);
  const fail = (k: number, message: string): never => {
    throw new Error(`${who}: ${names[k]} does not match ${names[0]} at ${where()}: ${message}`);
  };
  const visit = (xs: unknown[]): unknown => {
    const first = xs[0];
    if (isLeaf(first)) {
      for (let k = 1; k < xs.length; k++) {
        if (!isLeaf(xs[k])) fail(k, `${names[0]} has ${describe(first)}, ${names[k]} has ${describe(xs[k])}`);
      }
      return f(xs as Leaf[], where);
    }
    if (!isContainer(first)) return options.carried === "keep" ? first : undefined;
    if (ancestors.has(first)) throw new Error(`${who}: ${names[0]} contains itself at ${where()}`);
    // A gradient may leave out a part that holds no leaves (`meta: { name: "x" }`).
    for (let k = 1; k < xs.length; k++) if (xs[k] === undefined && leaves(first).length === 0) xs[k] = first;
    ancestors.add(first);
    let out: unknown;
    if (Array.isArray(first)) {
      for (let k = 1; k < xs.length; k++) {
        const other = xs[k];
        if (!Array.isArray(other) || other.length !== first.length) {
          fail(k, `${names[0]} has ${describe(first)}, ${names[k]} has ${describe(other)}`);
        }
      }
      const result = new Array<unknown>(first.length);
      for (let i = 0; i < first.length; i++) {
        path.push(i);
        result[i] = visit(xs.map((x) => (x as unknown[])[i]));
        path.pop();
      }
      out = result;
    } else {
      const keys = Object.keys(first);
      for (let k = 1; k < xs.length; k++) {
        const other = xs[k];
        if (!isContainer(other) || Array.isArray(other)) {
          fail(k, `${names[0]} has ${describe(first)}, ${names[k]} has ${describe(other)}`);
        }
        for (const key of Object.keys(other as object)) {
          const value = (other as Record<string, unknown>)[key];
          if (!(key in first) && (isLeaf(value) || isContainer(value))) {
            path.push(key);
            fail(k, `${names[k]} has ${describe(value)}, ${names[0]} has no such property`);
          }
        }
      }
      const result: Record<string, unknown> = options.prototypes ? Object.create(Object.getPrototypeOf(first)) : {};
      for (const key of keys) {
        const value = (first as Record<string, unknown>)[key];
        if (options.carried === "drop" && !isLeaf(value) && !isContainer(value)) continue;
        path.push(key);
        const mapped = visit(xs.map((x) => (x as Record<string, unknown>)[key]));
        // An own "__proto__" stays a property (assigning it would set the prototype).
        if (key === "__proto__")
          Object.defineProperty(result, key, { value: mapped, enumerable: true, writable: true });
        else result[key] = mapped;
        path.pop();
      }
      out = result;
    }
    ancestors.delete(first);
    return out;
  };
  return visit([...trees]);
}

/** `params.layers[1].w`; keys that are not identifiers are quoted (`tree["a-b"]`). */
export function formatPath(root: string, path: readonly (string | number)[]): string {
  let s = root;
  for (const p of path) {
    s += typeof p === "number" ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  }
  return s;
}

/** A value's kind for error messages: "a Tensor of shape [2,3]", "a number[] of length 4", "an object". */
export function describe(x: unknown): string {
  if (typeof x === "number") return "a number";
  if (isTensor(x)) return `a ${x.dtype} Tensor of shape ${formatShape(x.shape)}`;
  if (x instanceof Float64Array || x instanceof Float32Array) return `a ${x.constructor.name} of length ${x.length}`;
  if (Array.isArray(x)) return isLeaf(x) ? `a number[] of length ${x.length}` : `an array of length ${x.length}`;
  if (x === null) return "null";
  if (x === undefined) return "nothing";
  return typeof x === "object" ? "an object" : `a ${typeof x}`;
}

// ---- leaves as flat buffers, for loops over their elements ---------------------------

/** A leaf's writable element storage. */
export type Buffer = number[] | Float64Array | Float32Array;

/** The elements of a leaf (a number is one element). */
export function elements(x: Leaf): ArrayLike<number> {
  if (typeof x === "number") return [x];
  return isTensor(x) ? x.data : x;
}

/** A fresh buffer of the leaf's element type and size (a number's is a Float64Array of one). */
export function emptyLike(x: Leaf): Buffer {
  if (typeof x === "number") return new Float64Array(1);
  const like = isTensor(x) ? x.data : x;
  if (like instanceof Float32Array) return new Float32Array(like.length);
  if (like instanceof Float64Array) return new Float64Array(like.length);
  return new Array<number>(like.length);
}

/** The leaf of `x`'s kind (and shape) holding `data`, a buffer from emptyLike(x). */
export function wrapLike(x: Leaf, data: Buffer): Leaf {
  if (typeof x === "number") return data[0]!;
  return isTensor(x) ? new Tensor(data as Float32Array | Float64Array, x.shape) : data;
}

function zerosLikeLeaf(x: Leaf): Leaf {
  if (typeof x === "number") return 0;
  if (isTensor(x)) return zeros(x.shape, x.dtype);
  if (x instanceof Float32Array) return new Float32Array(x.length);
  if (x instanceof Float64Array) return new Float64Array(x.length);
  return new Array<number>(x.length).fill(0);
}

/**
 * Throws unless leaf `y` (of structure `yName`) fits leaf `x` (of `xName`): both numbers,
 * both tensors of one shape, or both arrays (any of the three kinds) of one length.
 */
export function checkLeaves(who: string, x: Leaf, y: Leaf, xName: string, yName: string, where: () => string): void {
  const kind = (v: Leaf) => (typeof v === "number" ? 0 : isTensor(v) ? 1 : 2);
  const fits =
    kind(x) === kind(y) &&
    (typeof x === "number" ||
      (isTensor(x) ? sameShape(x.shape, (y as Tensor).shape) : x.length === (y as Buffer).length));
  if (!fits) {
    throw new Error(
      `${who}: ${yName} does not match ${xName} at ${where()}: ${xName} has ${describe(x)}, ${yName} has ${describe(y)}`,
    );
  }
}
