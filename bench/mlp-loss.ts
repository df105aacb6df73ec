// The MLP workload's loss, written as a user would: 784 → 256 (tanh) → 10, softmax
// cross-entropy through logSumExp, mean over the batch. The adjoint transformer rewrites
// grad(loss) at compile time; the parameters are positional tensors, as in examples/dann.ts.
import { add, grad, logSumExp, matmul, mean, mul, sub, sum, tanh, type Tensor } from "adjoint";

/** Mean cross-entropy of the network's logits against one-hot labels `y`. */
export function loss(w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor): Tensor {
  const hidden = tanh(add(matmul(x, w1), b1));
  const logits = add(matmul(hidden, w2), b2);
  return mean(sub(logSumExp(logits, 1), sum(mul(y, logits), 1)));
}

/** The gradient with respect to the four parameters, in order. */
export const lossGrad = grad(loss, { wrt: [0, 1, 2, 3] });
