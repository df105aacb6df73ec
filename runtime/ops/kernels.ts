// The kernel table: every elementwise operator as one JS expression of its operands `a` (and
// `b`). scripts/gen-kernels.mjs turns each entry into specialised loops (array, array·scalar
// and scalar·array rows, plain loops that V8 keeps optimised) in
// runtime/ops/kernels.generated.ts and, unless it says otherwise, into the public function
// with its overloads and `@adjointPrimitive` tag in runtime/ops/elementwise-ops.generated.ts,
// which runtime/ops/index.ts re-exports whole to both entries ("adjoint" and
// "adjoint/internal"). The expressions are data so that a later fusion pass can compose them
// into one loop.
//
// Adding an elementwise primitive (the tests fail until all three are done):
//   1. one entry here, then `npm run gen:kernels` (test/runtime/kernels.test.ts fails while
//      the generated files are out of date);
//   2. its adjoint rule in transformer/rules/tensor.ts (`shared` with elementwise.ts if numbers
//      have the same algebra, else `unary` / `binary` / `constant`, which also tell
//      analysis/shapes.ts that the result has its operands' broadcast shape);
//      test/tensor-rules.test.ts fails for a public kernel without a rule, and
//      test/rules.test.ts for one that does not claim that shape;
//   3. its finite-difference case in CASES of test/tensor-rules.test.ts, which fails for a
//      rule without one.
// A Math function of the same name (Math.expm1 for expm1) also needs its pairing decided in
// COUNTERPARTS of test/rules.test.ts, which says so.
//
// Semantics every expression must keep: operands are JS numbers (float32 data is widened),
// the result is computed in float64 and rounded once on store; NaN and ±Infinity propagate
// as IEEE 754 says. An expression may use `Math.*` and the names bound in `let`, nothing else.
// No imports here: the generator evaluates this file on its own.

export interface KernelSpec {
  /** 1: the operand is `a`; 2: the operands are `a` and `b`. */
  readonly arity: 1 | 2;
  /** The result, as a JS expression of `a` (and `b`) and of the names bound in `let`. */
  readonly expr: string;
  /** Names computed once per element before `expr`, in order, each from `a`, `b` and the earlier ones. */
  readonly let?: Readonly<Record<string, string>>;
  /** The result is piecewise constant (comparisons, sign): the gradient is zero everywhere. */
  readonly zeroGradient?: boolean;
  /** The public function's doc comment (without the `@adjointPrimitive` tag). */
  readonly doc?: string;
  /**
   * Absent: the public function is generated, and both entries export it. "handWritten":
   * runtime/ops/index.ts writes it around the kernel (pow, for its fast paths). "internal": no
   * public function, other kernels' helper.
   */
  readonly api?: "handWritten" | "internal";
}

export const KERNELS = {
  // Binary, broadcast.
  add: { arity: 2, expr: "a + b", doc: "a + b, broadcast." },
  sub: { arity: 2, expr: "a - b", doc: "a - b, broadcast." },
  mul: { arity: 2, expr: "a * b", doc: "a * b, broadcast." },
  div: { arity: 2, expr: "a / b", doc: "a / b, broadcast." },
  pow: { arity: 2, expr: "Math.pow(a, b)", api: "handWritten" },
  // Math.max/min propagate NaN and order -0 < +0, as NumPy's maximum/minimum do.
  maximum: {
    arity: 2,
    expr: "Math.max(a, b)",
    doc: "The elementwise larger of a and b (NaN if either is NaN), broadcast.",
  },
  minimum: {
    arity: 2,
    expr: "Math.min(a, b)",
    doc: "The elementwise smaller of a and b (NaN if either is NaN), broadcast.",
  },
  greater: {
    arity: 2,
    expr: "a > b ? 1 : 0",
    zeroGradient: true,
    doc: "1 where a > b, else 0 (so 0 where either is NaN), in the promoted dtype.",
  },
  equal: {
    arity: 2,
    expr: "a === b ? 1 : 0",
    zeroGradient: true,
    doc: "1 where a === b, else 0, in the promoted dtype.",
  },

  // Unary.
  neg: { arity: 1, expr: "-a", doc: "-x." },
  exp: { arity: 1, expr: "Math.exp(a)", doc: "e^x." },
  log: { arity: 1, expr: "Math.log(a)", doc: "Natural logarithm (NaN below 0, -Infinity at 0)." },
  log1p: { arity: 1, expr: "Math.log1p(a)", doc: "log(1 + x), accurate near 0." },
  sin: { arity: 1, expr: "Math.sin(a)" },
  cos: { arity: 1, expr: "Math.cos(a)" },
  tanh: { arity: 1, expr: "Math.tanh(a)" },
  sqrt: { arity: 1, expr: "Math.sqrt(a)" },
  abs: { arity: 1, expr: "Math.abs(a)" },
  square: { arity: 1, expr: "a * a", doc: "x * x." },
  // e is exp of a non-positive number (exp(-a) for a ≥ 0, exp(a) below), so nothing overflows.
  sigmoid: {
    arity: 1,
    let: { e: "Math.exp(-Math.abs(a))" },
    expr: "a >= 0 ? 1 / (1 + e) : e / (1 + e)",
    doc: "1 / (1 + e^-x), computed without overflow for any x.",
  },
  // `a <= 0 ? 0 : a` rather than `a > 0 ? a : 0` so NaN stays NaN.
  relu: { arity: 1, expr: "a <= 0 ? 0 : a", doc: "max(x, 0); NaN stays NaN." },
  // max(a, 0) + log1p(exp(-|a|)): exp never overflows and large a gives a exactly.
  softplus: {
    arity: 1,
    expr: "Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)))",
    doc: "log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so it never overflows.",
  },
  sign: {
    arity: 1,
    expr: "Math.sign(a)",
    zeroGradient: true,
    doc: "-1, 0 or 1 (Math.sign: -0 stays -0, NaN stays NaN).",
  },

  // pow's fast paths for small integer exponents: exact, and several times faster than Math.pow.
  cube: { arity: 1, expr: "a * a * a", api: "internal" },
  reciprocal: { arity: 1, expr: "1 / a", api: "internal" },
} as const satisfies Record<string, KernelSpec>;
