// The `adjoint/internal` entry: what generated gradient code calls, through the namespace
// import the transformer adds (`import * as adjoint from "adjoint/internal"`): every
// operation (the user's too, so a new kernel needs no edit here) and the helpers of the
// backward sweep, which runtime/index.ts leaves out. The transformer names these functions
// by their exports here (js.ts RuntimeName), so a misspelt one fails to type-check.
export * from "../ops/index.js";
// The element count mean's adjoint divides by.
export { reductionSize } from "../ops/reduce.js";
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
  customTangent,
  logSoftmaxGrad,
  gatherGrad,
} from "./adjoints.js";
// Structured values: a zero gradient shaped like a parameter, and the sum of two gradients.
export { zerosLikeTree, addTrees, structureGradient } from "../tree.js";
// Collections (arrays of tensors or structures read by index): each element's gradient added into the collection's.
export { addInto, addTreeInto } from "./collections.js";
// Loops and arrays: tapes of carried numbers, and array gradients.
export { numberTape, growTape, zerosLikeArray, addIntoArray } from "./tape.js";
// A loop's running sum of tensors, added into in place (transformer/passes/accumulate.ts).
export { accumulator, type Accumulator } from "./accumulator.js";
// The matrix product's kernel and threads, for tests and benchmarks.
export { configureMatmul, type MatmulSettings } from "../ops/gemm.js";
// Forward mode: tangents broadcast to their result, and zero and ones tangents shaped like a value.
export { broadcastLike, zeroTangent, onesTangent, toNumber } from "./tangents.js";
// Hessians and Jacobians assembled from generated hvp, jvp and forward-and-pullback functions.
export { hessianOf, jacobianForward, jacobianReverse, type Assembled } from "./higher.js";
// The guard and the results of fused elementwise loops (transformer/passes/fuse.ts).
export { sameShapes, allScalars, fusedResult, fusedTotal } from "./fusion.js";
