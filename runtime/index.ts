// The `adjoint` package: differentiation markers and the tensor runtime, for user code
// (API.md). What only generated code calls is in runtime/internal.ts ("adjoint/internal").
export { grad, vjp, valueAndGrad, stopGradient, gradHook, reverseGradient, customGradient } from "./markers";
export type { AnyFunction, Wrt, GradOptions, Gradient } from "./markers";
export { checkGrad, type CheckGradOptions } from "./check";
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
} from "./tensor";
export type { DType, Shape } from "./tensor";
export {
  // differentiable primitives
  add,
  sub,
  mul,
  div,
  neg,
  pow,
  exp,
  log,
  log1p,
  sin,
  cos,
  tanh,
  sqrt,
  abs,
  square,
  sigmoid,
  relu,
  softplus,
  maximum,
  minimum,
  sum,
  mean,
  logSumExp,
  reshape,
  transpose,
  matmul,
  dot,
  where,
  logSoftmax,
  gather,
  // zero gradient
  sign,
  greater,
  equal,
  argmax,
} from "./ops";
export type { Operand } from "./ops";
