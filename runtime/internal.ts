// The `adjoint/internal` entry: what generated gradient code calls, through the namespace
// import the transformer adds (`import * as adjoint from "adjoint/internal"`). The
// primitives it computes with, and the helpers of the backward sweep that user code never
// needs (runtime/index.ts leaves them out). The transformer names these functions by
// their exports here (js.ts RuntimeName), so a misspelt one fails to type-check.
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
  where,
  logSoftmax,
  gather,
  sign,
  greater,
  equal,
  argmax,
  reductionSize,
} from "./ops";
// The adjoints of the primitives that are more than arithmetic on the result's adjoint.
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
// Loops and arrays: tapes of carried numbers, and array gradients.
export { numberTape, growTape, zerosLikeArray, addIntoArray } from "./tape";
