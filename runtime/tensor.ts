// The Tensor type, tensor creation, dtype promotion and broadcasting rules.
//
// Tensors are immutable by convention: no runtime function writes into the `data` of a
// tensor it was given or has returned. That is what lets reshape share its input's buffer
// and lets generated adjoint code reuse a gradient in several places without copying.

import { Xoshiro128 } from "./random.js";

export type DType = "float32" | "float64";
export type Shape = readonly number[];
export type TypedArray = Float32Array | Float64Array;
/** What toArray() returns for a tensor of rank >= 1. */
export type NestedArray = (number | NestedArray)[];
/** Nested arrays accepted by tensor(). */
export type NestedArrayLike = readonly (number | NestedArrayLike)[];
/** Typed arrays accepted by tensor(); only Float32Array defaults to float32. */
export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

// A registered symbol rather than instanceof alone: tests and user code can end up with
// two copies of the runtime (src and dist), and a Tensor from one must work in the other.
const TENSOR_BRAND: unique symbol = Symbol.for("adjoint.Tensor");
// Node's util.inspect (console.log) calls this, so a logged tensor prints its repr.
const INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom");

export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** The number of elements of a shape (1 for []). */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws unless every dimension is a non-negative integer. */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) {
    throw new Error(`${op}: shape must be an array of dimensions, got ${String(shape)}`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new Error(
        `${op}: invalid shape [${shape.map(String).join(",")}]: dimensions must be non-negative integers`,
      );
    }
  }
}

export function allocData(dtype: DType, n: number): TypedArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

function checkDType(op: string, dtype: unknown): DType {
  if (dtype === undefined) return "float64";
  if (dtype !== "float32" && dtype !== "float64") {
    throw new Error(`${op}: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  }
  return dtype;
}

/**
 * A dense, row-major, immutable-by-convention array of float32 or float64 values.
 * @adjointTensor
 */
export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly data: TypedArray;
  readonly size: number;

  /**
   * Wraps `data` (not copied: the tensor takes ownership, so do not write to it afterwards)
   * with `shape`. The dtype follows the array type. Prefer tensor() in user code.
   */
  constructor(data: TypedArray, shape: Shape) {
    const dtype: DType = data instanceof Float32Array ? "float32" : "float64";
    if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
      throw new Error("Tensor: data must be a Float32Array or a Float64Array");
    }
    checkShape("Tensor", shape);
    const size = shapeSize(shape);
    if (size !== data.length) {
      throw new Error(`Tensor: shape ${formatShape(shape)} needs ${size} elements but the data has ${data.length}`);
    }
    // A frozen shape (e.g. another tensor's) can be shared as is.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.dtype = dtype;
    this.data = data;
    this.size = size;
  }

  /** The number of dimensions (0 for a scalar tensor). */
  get ndim(): number {
    return this.shape.length;
  }

  /** The values as nested JS arrays; a 0-d tensor gives its number. */
  toArray(): number | NestedArray {
    const { shape, data } = this;
    if (shape.length === 0) return data[0];
    const build = (dim: number, offset: number, stride: number): NestedArray => {
      const len = shape[dim];
      const out: NestedArray = new Array(len);
      if (dim === shape.length - 1) {
        for (let i = 0; i < len; i++) out[i] = data[offset + i];
      } else {
        const inner = stride / (len || 1);
        for (let i = 0; i < len; i++) out[i] = build(dim + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, this.size);
  }

  /** The value of a tensor with exactly one element. */
  item(): number {
    if (this.size !== 1) {
      throw new Error(
        `item: the tensor has ${this.size} elements (shape ${formatShape(this.shape)}); only a tensor with exactly one element converts to a number`,
      );
    }
    return this.data[0];
  }

  /** A NumPy-style repr: `tensor([0.5, -1.2])`, `tensor([[1, 2], [3, 4]], dtype=float32)`. */
  toString(): string {
    return formatTensor(this);
  }

  [INSPECT](): string {
    return formatTensor(this);
  }

  // On the prototype, as a getter rather than by a defineProperty after the class: a module with
  // no statement but declarations is one a bundler drops whole when nothing of it is used.
  get [TENSOR_BRAND](): true {
    return true;
  }
}

export function isTensor(x: unknown): x is Tensor {
  return (
    x instanceof Tensor ||
    (typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[TENSOR_BRAND] === true)
  );
}

/**
 * The dtype of an operation's result: float32 only when no operand is float64
 * (plain numbers do not widen float32, as in NumPy 2's weak scalars and TF.js).
 */
export function resultDType(a: number | Tensor, b: number | Tensor): DType {
  const ta = typeof a === "number" ? null : a.dtype;
  const tb = typeof b === "number" ? null : b.dtype;
  if (ta === "float64" || tb === "float64") return "float64";
  if (ta === "float32" || tb === "float32") return "float32";
  return "float64";
}

/** NumPy broadcasting of two shapes; throws naming `op` and both shapes on a mismatch. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast`);
  }
  return out;
}

/** `x` with the given dtype (the same tensor when it already has it). */
export function cast(x: Tensor, dtype: DType): Tensor;
export function cast(x: number, dtype: DType): number;
export function cast(x: number | Tensor, dtype: DType): number | Tensor;
export function cast(x: number | Tensor, dtype: DType): number | Tensor {
  if (typeof x === "number") return dtype === "float32" ? Math.fround(x) : x;
  if (x.dtype === dtype) return x;
  const out = allocData(dtype, x.size);
  out.set(x.data);
  return new Tensor(out, x.shape);
}

// ---------------------------------------------------------------------------------------
// Creation

export interface TensorOptions {
  readonly dtype?: DType;
  /** Reshape the flattened values to this shape (one -1 allowed); the count must match. */
  readonly shape?: Shape;
}

/** Resolves one -1 in `shape` against `size`; throws naming `op` and both shapes. */
export function resolveShape(op: string, from: Shape, shape: Shape, size: number): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array, got ${String(shape)}`);
  let hole = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (hole >= 0) throw new Error(`${op}: only one -1 is allowed, got shape ${formatShape(shape)}`);
      hole = i;
    } else if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape ${formatShape(shape)}: dimensions must be non-negative integers or one -1`);
    } else {
      known *= d;
    }
  }
  const out = shape.slice();
  if (hole >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new Error(`${op}: cannot reshape ${formatShape(from)} (${size} elements) into ${formatShape(shape)}`);
    }
    out[hole] = size / known;
  } else if (known !== size) {
    throw new Error(
      `${op}: cannot reshape ${formatShape(from)} (${size} elements) into ${formatShape(shape)} (${known} elements)`,
    );
  }
  return out;
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return typeof x === "object" ? "an object" : `a ${typeof x}`;
}

function nestedShape(values: NestedArrayLike): number[] {
  const shape: number[] = [];
  let cur: unknown = values;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

/** Copies rectangular nested arrays into `out`; names the first ragged position. */
function flattenNested(values: NestedArrayLike, shape: number[], out: TypedArray): void {
  let k = 0;
  const path: number[] = [];
  const where = (): string => `[${path.join(", ")}]`;
  const visit = (node: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof node !== "number") {
        throw new Error(`tensor: element at ${where()} is ${describe(node)}, expected a number`);
      }
      out[k++] = node;
      return;
    }
    if (!Array.isArray(node)) {
      throw new Error(
        `tensor: ragged nested array: element at ${where()} is ${describe(node)}, expected an array of length ${shape[dim]}`,
      );
    }
    if (node.length !== shape[dim]) {
      throw new Error(
        `tensor: ragged nested array: element at ${where()} has length ${node.length}, expected ${shape[dim]}`,
      );
    }
    for (let i = 0; i < node.length; i++) {
      path.push(i);
      visit(node[i], dim + 1);
      path.pop();
    }
  };
  visit(values, 0);
}

/**
 * A tensor from a number (0-d), rectangular nested arrays, a typed array (flat, 1-D unless
 * `shape` is given) or another tensor (copied). The dtype defaults to float64, and to
 * float32 for a Float32Array or a float32 tensor.
 * @adjointConstant 0
 */
export function tensor(
  values: number | NestedArrayLike | NumericTypedArray | Tensor,
  options: TensorOptions = {},
): Tensor {
  let data: TypedArray;
  let shape: number[];
  if (typeof values === "number") {
    data = allocData(checkDType("tensor", options.dtype), 1);
    data[0] = values;
    shape = [];
  } else if (isTensor(values)) {
    data = allocData(checkDType("tensor", options.dtype ?? values.dtype), values.size);
    data.set(values.data);
    shape = values.shape.slice();
  } else if (Array.isArray(values)) {
    shape = nestedShape(values);
    data = allocData(checkDType("tensor", options.dtype), shapeSize(shape));
    flattenNested(values, shape, data);
  } else if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const typed = values as NumericTypedArray;
    data = allocData(
      checkDType("tensor", options.dtype ?? (typed instanceof Float32Array ? "float32" : "float64")),
      typed.length,
    );
    data.set(typed);
    shape = [typed.length];
  } else {
    throw new Error(`tensor: values must be a number, nested arrays or a typed array, got ${describe(values)}`);
  }
  if (options.shape !== undefined) shape = resolveShape("tensor", shape, options.shape, data.length);
  return new Tensor(data, shape);
}

function normShape(op: string, shape: number | Shape): Shape {
  const s = typeof shape === "number" ? [shape] : shape;
  checkShape(op, s);
  return s;
}

/**
 * A tensor of zeros; `shape` may be a number for a 1-D tensor.
 * @adjointConstant
 */
export function zeros(shape: number | Shape, dtype?: DType): Tensor {
  const s = normShape("zeros", shape);
  return new Tensor(allocData(checkDType("zeros", dtype), shapeSize(s)), s);
}

/**
 * A tensor of ones; `shape` may be a number for a 1-D tensor.
 * @adjointConstant
 */
export function ones(shape: number | Shape, dtype?: DType): Tensor {
  return full(shape, 1, dtype);
}

/**
 * A tensor filled with `value`; `shape` may be a number for a 1-D tensor.
 * @adjointConstant 1
 */
export function full(shape: number | Shape, value: number, dtype?: DType): Tensor {
  const s = normShape("full", shape);
  if (typeof value !== "number") throw new Error(`full: value must be a number, got ${describe(value)}`);
  const data = allocData(checkDType("full", dtype), shapeSize(s));
  if (value !== 0) data.fill(value);
  return new Tensor(data, s);
}

/**
 * Zeros with `t`'s shape and dtype (unless `dtype` is given); 0 for a number.
 * @adjointConstant
 */
export function zerosLike(t: Tensor, dtype?: DType): Tensor;
export function zerosLike(t: number, dtype?: DType): number;
export function zerosLike(t: number | Tensor, dtype?: DType): number | Tensor;
export function zerosLike(t: number | Tensor, dtype?: DType): number | Tensor {
  return typeof t === "number" ? 0 : zeros(t.shape, dtype ?? t.dtype);
}

/**
 * Ones with `t`'s shape and dtype (unless `dtype` is given); 1 for a number.
 * @adjointConstant
 */
export function onesLike(t: Tensor, dtype?: DType): Tensor;
export function onesLike(t: number, dtype?: DType): number;
export function onesLike(t: number | Tensor, dtype?: DType): number | Tensor;
export function onesLike(t: number | Tensor, dtype?: DType): number | Tensor {
  return typeof t === "number" ? 1 : full(t.shape, 1, dtype ?? t.dtype);
}

export interface RandomNormalOptions {
  /** A safe integer; the same seed gives the same numbers on every machine. */
  readonly seed: number;
  readonly dtype?: DType;
  readonly mean?: number;
  readonly std?: number;
}

export interface RandomUniformOptions {
  /** A safe integer; the same seed gives the same numbers on every machine. */
  readonly seed: number;
  readonly dtype?: DType;
  /** Inclusive lower bound (default 0). */
  readonly low?: number;
  /** Exclusive upper bound (default 1). */
  readonly high?: number;
}

/**
 * Normal samples (mean 0, std 1 unless given) from the generator documented in random.ts.
 * @adjointConstant 1
 */
export function randomNormal(shape: number | Shape, options: RandomNormalOptions): Tensor {
  const s = normShape("randomNormal", shape);
  if (options === undefined || options === null) throw new Error("randomNormal: options.seed is required");
  const data = allocData(checkDType("randomNormal", options.dtype), shapeSize(s));
  new Xoshiro128(options.seed).fillNormal(data, options.mean ?? 0, options.std ?? 1);
  return new Tensor(data, s);
}

/**
 * Uniform samples in [low, high) (default [0, 1)) from the generator documented in
 * random.ts. As in NumPy, rounding of `low + (high - low) * u` may give `high` itself for
 * bounds other than [0, 1).
 * @adjointConstant 1
 */
export function randomUniform(shape: number | Shape, options: RandomUniformOptions): Tensor {
  const s = normShape("randomUniform", shape);
  if (options === undefined || options === null) throw new Error("randomUniform: options.seed is required");
  const data = allocData(checkDType("randomUniform", options.dtype), shapeSize(s));
  new Xoshiro128(options.seed).fillUniform(data, options.low ?? 0, options.high ?? 1);
  return new Tensor(data, s);
}

// ---------------------------------------------------------------------------------------
// toString

const LINE_WIDTH = 75;
const ONE_LINE_WIDTH = 80;
// Like NumPy: past 1000 elements show 3 at each edge of every long axis.
const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const ELLIPSIS = "...";

type Tree = string | Tree[];

function shortestFloat32(v: number): string {
  for (let p = 1; p < 9; p++) {
    const c = Number(v.toPrecision(p));
    if (Math.fround(c) === v) return String(c);
  }
  return String(Number(v.toPrecision(9)));
}

// NumPy's default float style: at most 8 fractional digits (fewer when the shortest
// round-trip form is shorter), scientific notation when tiny or huge values are shown.
const PRECISION = 8;

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

function makeFormatter(values: number[], dtype: DType): (v: number) => string {
  let allIntegers = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (!Number.isInteger(v) || a >= 1e16) allIntegers = false;
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  // NumPy's rule: tiny or huge values, or magnitudes more than 1000x apart.
  const scientific = !allIntegers && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1e3);
  // Fractional digits the scientific mantissas need: the most any value needs, at most 8.
  let sciDigits = 0;
  if (scientific) {
    for (const v of values) {
      if (!Number.isFinite(v) || v === 0) continue;
      const shortest = dtype === "float32" ? Number(shortestFloat32(v)) : v;
      const m = shortest.toExponential().split("e")[0]!;
      sciDigits = Math.max(sciDigits, Math.min(PRECISION, m.includes(".") ? m.length - m.indexOf(".") - 1 : 0));
    }
  }
  return (v: number): string => {
    if (Number.isNaN(v)) return "NaN";
    if (v === Infinity) return "Infinity";
    if (v === -Infinity) return "-Infinity";
    if (Object.is(v, -0)) return "-0";
    if (allIntegers) return String(v);
    // The shortest decimal that reads back as the same value in this dtype.
    const shortest = dtype === "float32" ? Number(shortestFloat32(v)) : v;
    if (scientific) {
      // As NumPy: one mantissa length for all values, two-digit exponents (3.98010770e-04).
      const [m, e] = v.toExponential(sciDigits).split("e");
      return `${m}e${e![0] === "-" ? "-" : "+"}${e!.replace(/^[+-]/, "").padStart(2, "0")}`;
    }
    const s = String(shortest);
    if (!s.includes("e") && (!s.includes(".") || s.length - s.indexOf(".") - 1 <= PRECISION)) return s;
    return trimZeros(v.toFixed(PRECISION));
  };
}

function formatTensor(t: Tensor): string {
  const suffix = t.dtype === "float64" ? "" : `, dtype=${t.dtype}`;
  const { shape, data } = t;
  if (shape.length === 0) return `tensor(${makeFormatter([data[0]], t.dtype)(data[0])}${suffix})`;
  if (t.size === 0) {
    return `tensor([]${shape.length > 1 ? `, shape=[${shape.join(", ")}]` : ""}${suffix})`;
  }
  const summarize = t.size > SUMMARY_THRESHOLD;
  const strides: number[] = new Array(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  const shown: number[] = [];
  const indices = (len: number): (number | null)[] => {
    if (!summarize || len <= 2 * EDGE_ITEMS) return Array.from({ length: len }, (_, i) => i);
    const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
    const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => len - EDGE_ITEMS + i);
    return [...head, null, ...tail];
  };
  // Values first, so the number style (integers or not) is chosen from what is printed.
  type Raw = number | null | Raw[];
  const collect = (dim: number, offset: number): Raw[] =>
    indices(shape[dim]).map((i): Raw => {
      if (i === null) return null;
      if (dim === shape.length - 1) {
        shown.push(data[offset + i]);
        return data[offset + i];
      }
      return collect(dim + 1, offset + i * strides[dim]);
    });
  const raw = collect(0, 0);
  const fmt = makeFormatter(shown, t.dtype);
  const toTree = (node: Raw): Tree =>
    node === null ? ELLIPSIS : typeof node === "number" ? fmt(node) : node.map(toTree);
  const tree = raw.map(toTree);

  const oneLine = (node: Tree): string => (typeof node === "string" ? node : `[${node.map(oneLine).join(", ")}]`);
  const flat = `tensor(${oneLine(tree)}${suffix})`;
  if (flat.length <= ONE_LINE_WIDTH && !flat.includes("\n")) return flat;

  let width = 0;
  const measure = (node: Tree): void => {
    if (typeof node === "string") width = Math.max(width, node.length);
    else node.forEach(measure);
  };
  measure(tree);
  // `col` is the column of this node's "[".
  const render = (node: Tree[], dim: number, col: number): string => {
    const pad = " ".repeat(col + 1);
    if (dim === shape.length - 1) {
      let out = "[";
      let lineLen = col + 1;
      node.forEach((leaf, i) => {
        const item = leaf === ELLIPSIS ? leaf : (leaf as string).padStart(width);
        if (i > 0) {
          if (lineLen + 2 + item.length > LINE_WIDTH) {
            out += ",\n" + pad;
            lineLen = col + 1;
          } else {
            out += ", ";
            lineLen += 2;
          }
        }
        out += item;
        lineLen += item.length;
      });
      return out + "]";
    }
    const sep = ",\n" + "\n".repeat(shape.length - dim - 2) + pad;
    return "[" + node.map((c) => (typeof c === "string" ? c : render(c, dim + 1, col + 1))).join(sep) + "]";
  };
  return `tensor(${render(tree, 0, "tensor(".length)}${suffix})`;
}
