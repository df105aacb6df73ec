// A minibatch's cross-entropy: gather rows, logSoftmax along the last axis, the log
// probabilities of the labels picked by a one-hot mask.
import { gather, grad, logSoftmax, matmul, mean, mul, neg, sum, tensor, type Tensor } from "adjoint";

export function loss(w: Tensor, x: Tensor, rows: number[], oneHot: Tensor) {
  const logits = matmul(gather(x, rows), w);
  return neg(mean(sum(mul(logSoftmax(logits), oneHot), 1)));
}

export const df = grad(loss);

const w = tensor([
  [0.1, 0.4, -0.2],
  [-0.3, 0.8, 0.5],
]);
const x = tensor([
  [0.2, -0.5],
  [1.5, 0.3],
  [0.1, 0.9],
]);
const oneHot = tensor([
  [0, 1, 0],
  [1, 0, 0],
]);

export const checks = [{ f: loss, grad: df, at: [[w, x, [2, 0], oneHot]] }];
