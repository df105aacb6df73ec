// The `adjoint` package: differentiation markers and the tensor runtime, for user code.
export * from "./markers";
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

// Called by generated gradient code (through `import * as adjoint from "adjoint"`).
export {
  unbroadcast,
  fitGradient,
  sumGrad,
  expandReduced,
  reshapeGrad,
  transposeGrad,
  matmulGradA,
  matmulGradB,
  powGradBase,
  powGradExponent,
  customGradients,
  logSoftmaxGrad,
  gatherGrad,
} from "./adjoints";
export { reductionSize } from "./ops";
export { numberTape, growTape, zerosLikeArray, addIntoArray } from "./tape";
