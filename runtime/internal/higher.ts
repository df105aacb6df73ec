// Hessians and Jacobians from generated derivative functions, one basis vector at a time:
// the generated `hessian(f)` calls hessianOf with f's Hessian-vector product, `jacobian(f)`
// calls jacobianForward with f's jvp (a column per input element) or jacobianReverse with
// f's forward-and-pullback (a row per output element). The derivative code stays the
// transformer's; what is here is only the basis and the layout of the result.
//
// Layout of J[i][j] = ∂y_i/∂x_j, for x (the parameter) and y (the value) each a number, a
// Tensor, a Float64Array, a Float32Array or a number[]: a number when both are numbers; the
// other side's kind and shape when one is a number; a Tensor of shape [...yShape, ...xShape]
// when either is a Tensor (float32 only when both are float32); otherwise one row per
// element of y, each of x's kind. A Hessian is the Jacobian of the gradient, so y is x.
import { Tensor, allocData, formatShape, isTensor, sameShape } from "../tensor.js";
import { describe } from "../tree.js";
import { zeroTangent } from "./tangents.js";

// Generated functions take the parameters' own types (a pullback the value's); any lets them be passed as they are.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Generated<R> = (...args: any[]) => R;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Pullback = (seed: any) => unknown;

/** What the assemblers return: see the layout above. */
export type Assembled =
  number | Tensor | Float64Array | Float32Array | number[] | Float64Array[] | Float32Array[] | number[][];

/**
 * The Hessian of a scalar function in parameter `wrt` at `args`, from `hvpFn(...args, v)`,
 * which returns H·v shaped like the parameter: one call per element, with each basis vector.
 * A number for a number parameter, a Tensor of shape [...S, ...S] and its dtype for a Tensor
 * of shape S, and n rows of its kind for an array of length n. `args` is not changed.
 */
export function hessianOf(hvpFn: Generated<unknown>, args: readonly unknown[], wrt: number): Assembled {
  const x = parameter("hessian", args, wrt);
  const flat = new Float64Array(x.size * x.size);
  for (let j = 0; j < x.size; j++) {
    // H·e_j is column j; H is symmetric, so it is row j as well, but columns need no such promise.
    const column = hvpFn(...args, basis(x, j));
    readInto("hessian", `the Hessian-vector product for element ${j}`, column, x, flat, j, x.size);
  }
  return assemble(x, x, flat);
}

/**
 * The Jacobian of a function in parameter `wrt` at `args`, in forward mode: `jvpFn(...args, t)`
 * returns `{ value, tangent }`, and with basis vector e_j as `t` the tangent is column j.
 * One call per element of the parameter (one in all for an empty one, for the value's shape).
 */
export function jacobianForward(
  jvpFn: Generated<{ value: unknown; tangent: unknown }>,
  args: readonly unknown[],
  wrt: number,
): Assembled {
  const who = "jacobian";
  const x = parameter(who, args, wrt);
  const call = (tangent: unknown): { value: unknown; tangent: unknown } => {
    const out = jvpFn(...args, tangent);
    if (typeof out !== "object" || out === null || !("value" in out) || !("tangent" in out)) {
      throw new Error(`${who}: the jvp function returned ${describe(out)}, expected { value, tangent }`);
    }
    return out;
  };
  // The value's layout is the same at every call; an empty parameter still needs one call to learn it.
  const first = call(x.size === 0 ? zeroTangent(args[wrt]) : basis(x, 0));
  const y = layoutOf(who, "the function's value", first.value);
  const flat = new Float64Array(y.size * x.size);
  for (let j = 0; j < x.size; j++) {
    const { tangent } = j === 0 ? first : call(basis(x, j));
    readInto(who, `the tangent for element ${j}`, tangent, y, flat, j, x.size);
  }
  return assemble(y, x, flat);
}

/**
 * The Jacobian of a function in parameter `wrt` at `args`, in reverse mode: `forwardFn(...args)`
 * (called once) returns `[value, pullback]`, and `pullback(seed)` with the one-hot seed of
 * element i of the value (1 for a number value) returns row i, shaped like the parameter.
 */
export function jacobianReverse(
  forwardFn: Generated<readonly [unknown, Pullback]>,
  args: readonly unknown[],
  wrt: number,
): Assembled {
  const who = "jacobian";
  const x = parameter(who, args, wrt);
  const out: unknown = forwardFn(...args);
  if (!Array.isArray(out) || out.length !== 2 || typeof out[1] !== "function") {
    throw new Error(`${who}: the forward function returned ${describe(out)}, expected [value, pullback]`);
  }
  const [value, pullback] = out as [unknown, Pullback];
  const y = layoutOf(who, "the function's value", value);
  const flat = new Float64Array(y.size * x.size);
  for (let i = 0; i < y.size; i++) {
    readInto(who, `the pullback of element ${i}`, pullback(basis(y, i)), x, flat, i * x.size, 1);
  }
  return assemble(y, x, flat);
}

// ---- leaves as layouts --------------------------------------------------------------

type Kind = "number" | "Tensor" | "Float64Array" | "Float32Array" | "number[]";

/** What the assemblers need of a value: its kind, shape ([n] for an array), size and whether it is float32. */
interface Layout {
  readonly kind: Kind;
  readonly shape: readonly number[];
  readonly size: number;
  readonly float32: boolean;
}

const SUPPORTED = "a number, a Tensor, a Float64Array, a Float32Array or a number[]";

function layoutOf(who: string, what: string, v: unknown): Layout {
  if (typeof v === "number") return { kind: "number", shape: [], size: 1, float32: false };
  if (isTensor(v)) return { kind: "Tensor", shape: v.shape, size: v.size, float32: v.dtype === "float32" };
  if (v instanceof Float64Array) return { kind: "Float64Array", shape: [v.length], size: v.length, float32: false };
  if (v instanceof Float32Array) return { kind: "Float32Array", shape: [v.length], size: v.length, float32: true };
  if (Array.isArray(v) && v.every((e) => typeof e === "number")) {
    return { kind: "number[]", shape: [v.length], size: v.length, float32: false };
  }
  if (v === undefined) throw new TypeError(`${who}: ${what} is undefined (a missing argument?)`);
  throw new Error(`${who}: ${what} is ${describe(v)}; it must be ${SUPPORTED}`);
}

function parameter(who: string, args: readonly unknown[], wrt: number): Layout {
  if (!Number.isInteger(wrt) || wrt < 0 || wrt >= args.length) {
    throw new Error(`${who}: wrt is ${wrt}, but there are ${args.length} arguments`);
  }
  return layoutOf(who, `the parameter (argument ${wrt + 1})`, args[wrt]);
}

function describeLayout(l: Layout): string {
  if (l.kind === "number") return "a number";
  if (l.kind === "Tensor") return `a Tensor of shape ${formatShape(l.shape)}`;
  return `a ${l.kind} of length ${l.size}`;
}

/** A new one-hot value of layout `l` with a 1 at element `j` (fresh each time: a derivative may keep or return its seed). */
function basis(l: Layout, j: number): number | Tensor | Float64Array | Float32Array | number[] {
  if (l.kind === "number") return 1;
  if (l.kind === "number[]") {
    const e = new Array<number>(l.size).fill(0);
    e[j] = 1;
    return e;
  }
  const data = allocData(l.float32 ? "float32" : "float64", l.size);
  data[j] = 1;
  return l.kind === "Tensor" ? new Tensor(data, l.shape) : data;
}

/**
 * Writes the elements of `v`, which must fit layout `l`, to flat[offset + k * stride]. A Tensor
 * must have l's shape; an array may be any of the three kinds, of l's length (as gradients are
 * matched in tree.ts). A plain number stands for every element being that number: generated
 * code may give a constant's tangent (or a linear function's H·v) as 0.
 */
function readInto(
  who: string,
  what: string,
  v: unknown,
  l: Layout,
  flat: Float64Array,
  offset: number,
  stride: number,
): void {
  if (typeof v === "number") {
    for (let k = 0; k < l.size; k++) flat[offset + k * stride] = v;
    return;
  }
  const fits =
    l.kind === "Tensor"
      ? isTensor(v) && sameShape(v.shape, l.shape)
      : l.kind !== "number" &&
        (v instanceof Float64Array ||
          v instanceof Float32Array ||
          (Array.isArray(v) && v.every((e) => typeof e === "number"))) &&
        v.length === l.size;
  if (!fits) throw new Error(`${who}: ${what} is ${describe(v)}, expected ${describeLayout(l)}`);
  const src: ArrayLike<number> = isTensor(v) ? v.data : (v as ArrayLike<number>);
  for (let k = 0; k < l.size; k++) flat[offset + k * stride] = src[k]!;
}

/** The Jacobian of layout (y, x) from its row-major elements (see the layout at the top). */
function assemble(y: Layout, x: Layout, flat: Float64Array): Assembled {
  if (y.kind === "number" && x.kind === "number") return flat[0]!;
  if (x.kind === "number") return wrap(y, flat);
  if (y.kind === "number") return wrap(x, flat);
  if (y.kind === "Tensor" || x.kind === "Tensor") {
    const data = allocData(y.float32 && x.float32 ? "float32" : "float64", flat.length);
    data.set(flat);
    return new Tensor(data, [...y.shape, ...x.shape]);
  }
  const rows = new Array(y.size);
  for (let i = 0; i < y.size; i++) rows[i] = wrap(x, flat.subarray(i * x.size, (i + 1) * x.size));
  return rows as Float64Array[] | Float32Array[] | number[][];
}

/** A new value of `l`'s kind, shape and dtype holding `elements` (`l` is not a number). */
function wrap(l: Layout, elements: Float64Array): Tensor | Float64Array | Float32Array | number[] {
  if (l.kind === "number[]") return Array.from(elements);
  if (l.kind === "Float64Array") return elements.slice();
  if (l.kind === "Float32Array") return Float32Array.from(elements);
  const data = allocData(l.float32 ? "float32" : "float64", l.size);
  data.set(elements);
  return new Tensor(data, l.shape);
}
