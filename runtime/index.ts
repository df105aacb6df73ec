// The `adjoint` package: differentiation markers and the tensor runtime, for user code
// (API.md). What only generated code calls is in runtime/internal/index.ts ("adjoint/internal").
export {
  grad,
  vjp,
  valueAndGrad,
  jvp,
  hvp,
  hessian,
  jacobian,
  stopGradient,
  gradHook,
  reverseGradient,
  customGradient,
} from "./markers.js";
export type {
  AnyFunction,
  Wrt,
  GradOptions,
  GradientOf,
  ValueAndGradOptions,
  ValueAndGradient,
  WrtOptions,
  JacobianOptions,
  Hessian,
  Jacobian,
} from "./markers.js";
// Parameter structures (API.md "Structured values"): the gradient's type, and, beyond API.md,
// the two walks a training loop may want (JAX's tree_map and tree_leaves).
export { mapLeaves, leaves, type Gradient, type Leaf, type MappedLeaves } from "./tree.js";
export { sgd, adam, adamw, clipByGlobalNorm, cosineDecay } from "./optimizers.js";
export type {
  Optimizer,
  SgdOptions,
  AdamOptions,
  AdamWOptions,
  SgdState,
  AdamState,
  Schedule,
  LearningRate,
} from "./optimizers.js";
export { checkGrad, type CheckGradOptions } from "./check.js";
export {
  Tensor,
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  randomNormal,
  randomUniform,
  isTensor,
} from "./tensor.js";
export type { DType, Shape } from "./tensor.js";
// The operations (API.md: elementwise, reductions, shape and linear algebra), every one of
// runtime/ops/index.ts, whose exports are exactly those: a kernel table entry is public here with
// no edit. test/types.test.ts checks that this entry exports nothing internal.
export * from "./ops/index.js";
