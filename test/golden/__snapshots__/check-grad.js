// checkGrad: the transformer passes it the gradient it generates, which it compares with
// central finite differences.
import { add, checkGrad, matmul, mean, tanh, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export const loss = (w, b, x) => mean(tanh(add(matmul(x, w), b)));
function loss_grad_w_b(w, b, x) {
  const t1 = adjoint.matmul(x, w);
  let t3;
  if (adjoint.sameShapes(t1, b)) {
    const t1s = t1.data;
    const bs = b.data;
    t3 = adjoint.fusedResult(t1, b);
    const t3s = t3.data;
    const n = t3s.length;
    for (let i = 0; i < n; i++) {
      const t1i = t1s[i];
      const bi = bs[i];
      const addi = t1i + bi;
      t3s[i] = Math.tanh(addi);
    }
  } else {
    t3 = adjoint.tanh(adjoint.add(t1, b));
  }
  let dt2;
  if (adjoint.sameShapes(t3)) {
    const t3s = t3.data;
    dt2 = adjoint.fusedResult(t3);
    const dt2s = dt2.data;
    const c = adjoint.div(1, adjoint.reductionSize(t3));
    const n = dt2s.length;
    for (let i = 0; i < n; i++) {
      const t3i = t3s[i];
      const squarei = t3i * t3i;
      const subi = 1 - squarei;
      dt2s[i] = c * subi;
    }
  } else {
    dt2 = adjoint.mul(adjoint.div(1, adjoint.reductionSize(t3)), adjoint.sub(1, adjoint.square(t3)));
  }
  const dw = adjoint.matmulGradB(adjoint.unbroadcast(dt2, t1, b), x, w);
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
