// What generated forward-mode code (jvp, and hvp as forward over reverse) calls for
// tangents. A tangent has its primal's kind, shape and dtype, as a gradient does, so the
// zero and the seed of a structure are built by the same walk as a zero gradient (tree.ts).
import { broadcastTo } from "../ops/broadcast.js";
import { operandError } from "../ops/operands.js";
import { type Tensor, broadcastShapes, cast, formatShape, full, isTensor, resultDType, sameShape } from "../tensor.js";
import { GRADIENT, mapTree, zerosLikeTree, type Gradient, type Leaf } from "../tree.js";

/**
 * `t` broadcast (NumPy rules) to the shape of `like`, as a new Tensor of the promotion of both
 * dtypes: the tangent of an operation's result when an operand's tangent is smaller than the
 * result (`add(x, c)` with x broadcast). When `like` is a number, `t` itself. Throws naming
 * both shapes unless `t` broadcasts to exactly `like`'s shape (a tangent of the wrong shape).
 */
export function broadcastLike(t: number | Tensor, like: number | Tensor): number | Tensor {
  if (typeof like === "number") return t;
  if (typeof t !== "number" && !isTensor(t)) throw operandError("jvp", t, "a tangent");
  const from = typeof t === "number" ? [] : t.shape;
  // Shapes that do not broadcast at all, or broadcast to a larger shape than `like`'s ([3] with [2,1] gives [2,3]).
  let fits = false;
  try {
    fits = sameShape(broadcastShapes("broadcastLike", from, like.shape), like.shape);
  } catch {
    fits = false;
  }
  if (!fits) {
    throw new Error(
      `A tangent of shape ${formatShape(from)} does not fit its value's shape ${formatShape(like.shape)} ` +
        "(a jvp tangent or an hvp vector of the wrong shape?)",
    );
  }
  const dtype = resultDType(t, like);
  if (typeof t === "number") return full(like.shape, t, dtype);
  // The cast first: it copies only the (smaller) unbroadcast tangent, and broadcastTo keeps its dtype.
  return broadcastTo(cast(t, dtype), like.shape);
}

/**
 * A zero tangent shaped like `x`: 0 for a number, zeros of a Tensor's shape and dtype, a new
 * array of a Float64Array's, Float32Array's or number[]'s kind and length, and for a structure
 * the same structure of plain objects and arrays (values without a tangent left out, as in a gradient).
 */
export function zeroTangent<T>(x: T): Gradient<T> {
  return zerosLikeTree(x);
}

/** A tangent of ones shaped like `x`, built as zeroTangent's zeros are: the seed of a directional derivative along every element. */
export function onesTangent<T>(x: T): Gradient<T> {
  return mapTree([x], ["x"], "onesTangent", ([leaf]) => filledLike(leaf!, 1), GRADIENT) as Gradient<T>;
}

/** A new leaf of `x`'s kind, shape and dtype with every element `value`. */
function filledLike(x: Leaf, value: number): Leaf {
  if (typeof x === "number") return value;
  if (isTensor(x)) return full(x.shape, value, x.dtype);
  if (x instanceof Float32Array) return new Float32Array(x.length).fill(value);
  if (x instanceof Float64Array) return new Float64Array(x.length).fill(value);
  return new Array<number>(x.length).fill(value);
}

/**
 * A size-1 tensor's value as a number (a number is returned as it is): the gradient of a
 * tensor-valued function with respect to a number, used as a value, is a number like grad's.
 */
export function toNumber(x: number | Tensor): number {
  if (typeof x === "number") return x;
  if (x.size !== 1) throw new Error(`toNumber: expected a tensor of one element, got shape [${x.shape.join(", ")}]`);
  return x.data[0]!;
}
