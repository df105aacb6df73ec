// A minibatch's cross-entropy: gather rows, logSoftmax along the last axis, the log
// probabilities of the labels picked by a one-hot mask.
import { gather, grad, logSoftmax, matmul, mean, mul, neg, sum, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export function loss(w, x, rows, oneHot) {
  const logits = matmul(gather(x, rows), w);
  return neg(mean(sum(mul(logSoftmax(logits), oneHot), 1)));
}
function loss_grad(w, x, rows, oneHot) {
  const t1 = adjoint.gather(x, rows);
  const logits = adjoint.matmul(t1, w);
  const t2 = adjoint.logSoftmax(logits);
  const t3 = adjoint.mul(t2, oneHot);
  const t4 = adjoint.sum(t3, 1);
  const dw = adjoint.matmulGradB(
    adjoint.logSoftmaxGrad(
      adjoint.unbroadcast(
        adjoint.mul(adjoint.sumGrad(adjoint.div(-1, adjoint.reductionSize(t4)), t3, t4, 1), oneHot),
        t2,
        oneHot,
      ),
      t2,
    ),
    t1,
    w,
  );
  return adjoint.fitGradient(dw, w);
}
export const df = loss_grad;
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
