// The `adjoint` package: differentiation markers and the tensor runtime, for user code.
export * from "./markers";
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
  sign,
  greater,
  equal,
  where,
} from "./ops";
export type { Operand } from "./ops";

// Called by generated gradient code (through `import * as adjoint from "adjoint"`).
export {
  unbroadcast, fitGradient, sumGrad, expandReduced, reshapeGrad, transposeGrad, matmulGradA, matmulGradB, powGradBase, powGradExponent,
  customGradients,
} from "./adjoints";
export { reductionSize } from "./ops";
