// checkGrad: the transformer passes it the gradient it generates, which it compares with
// central finite differences.
import { add, checkGrad, matmul, mean, tanh, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export const loss = (w, b, x) => mean(tanh(add(matmul(x, w), b)));
function loss_grad_w_b(w, b, x) {
  const t1 = adjoint.matmul(x, w);
  const t3 = adjoint.tanh(adjoint.add(t1, b));
  const dt2 = adjoint.mul(adjoint.div(1, adjoint.reductionSize(t3)), adjoint.sub(1, adjoint.square(t3)));
  const dw = adjoint.matmulGradB(adjoint.fitGradient(adjoint.unbroadcast(dt2, t1, b), t1), x, w);
  const db = adjoint.unbroadcast(dt2, b, t1);
  return [adjoint.fitGradient(dw, w), adjoint.fitGradient(db, b)];
}
const w = tensor([
  [0.1, 0.4],
  [-0.3, 0.8],
]);
const x = tensor([
  [0.2, -0.5],
  [1.5, 0.3],
  [0.1, 0.9],
]);
export const checks = [
  {
    checkGrad: () =>
      checkGrad(loss, [w, tensor([0.05, -0.1]), x], { wrt: [0, 1], rtol: 1e-6 }, loss_grad_w_b, ["w", "b", "x"]),
  },
];
