// The DANN workload's model and loss, as in examples/dann.ts (written as a user would and
// compiled by tspc with the transformer): a feature extractor 2 → 32 → 16 (relu), a label
// classifier 16 → 2, and a domain classifier 16 → 16 → 2 behind reverseGradient.
import {
  add,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  relu,
  reverseGradient,
  sum,
  valueAndGrad,
  type Tensor,
} from "adjoint";

function features(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor {
  return relu(add(matmul(relu(add(matmul(x, w1), b1)), w2), b2));
}

function domainLogits(h: Tensor, w4: Tensor, b4: Tensor, w5: Tensor, b5: Tensor): Tensor {
  return add(matmul(relu(add(matmul(h, w4), b4)), w5), b5);
}

/** Mean cross-entropy of logits against one-hot targets. */
function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return neg(mean(sum(mul(targets, logSoftmax(logits)), 1)));
}

/** The label loss on a labelled source batch plus the domain loss on a batch of both domains. */
export function loss(
  w1: Tensor,
  b1: Tensor,
  w2: Tensor,
  b2: Tensor,
  w3: Tensor,
  b3: Tensor,
  w4: Tensor,
  b4: Tensor,
  w5: Tensor,
  b5: Tensor,
  source: Tensor,
  sourceLabels: Tensor,
  both: Tensor,
  domains: Tensor,
  lambda: number,
): Tensor {
  const labelLogits = add(matmul(features(source, w1, b1, w2, b2), w3), b3);
  const h = reverseGradient(features(both, w1, b1, w2, b2), lambda);
  return add(crossEntropy(labelLogits, sourceLabels), crossEntropy(domainLogits(h, w4, b4, w5, b5), domains));
}

export const lossAndGrad = valueAndGrad(loss, { wrt: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
