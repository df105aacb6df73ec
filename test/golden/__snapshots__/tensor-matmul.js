// matmul of matrices and of a matrix and a vector, and dot of vectors.
import { dot, grad, matmul, tanh, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(w, x, v) {
  const h = tanh(matmul(x, w));
  return dot(matmul(h, v), matmul(x, v));
}
function f_grad_w_x_v(w, x, v) {
  const t1 = adjoint.matmul(x, w);
  const h = adjoint.tanh(t1);
  const t2 = adjoint.matmul(h, v);
  const t3 = adjoint.matmul(x, v);
  const t4 = adjoint.dot(t2, t3);
  const dt3 = adjoint.matmulGradB(adjoint.fitGradient(1, t4), t2, t3);
  const dt2 = adjoint.matmulGradA(adjoint.fitGradient(1, t4), t2, t3);
  const dt1 = adjoint.mul(adjoint.matmulGradA(adjoint.fitGradient(dt2, t2), h, v), adjoint.sub(1, adjoint.square(h)));
  const dw = adjoint.matmulGradB(adjoint.fitGradient(dt1, t1), x, w);
  const dx = adjoint.add(
    adjoint.matmulGradA(adjoint.fitGradient(dt3, t3), x, v),
    adjoint.matmulGradA(adjoint.fitGradient(dt1, t1), x, w),
  );
  const dv = adjoint.add(
    adjoint.matmulGradB(adjoint.fitGradient(dt3, t3), x, v),
    adjoint.matmulGradB(adjoint.fitGradient(dt2, t2), h, v),
  );
  return [adjoint.fitGradient(dw, w), adjoint.fitGradient(dx, x), adjoint.fitGradient(dv, v)];
}
export const df = f_grad_w_x_v;
const w = tensor([
  [0.1, 0.4],
  [-0.3, 0.8],
]);
const x = tensor([
  [0.2, -0.5],
  [1.5, 0.3],
  [0.1, 0.9],
]);
export const checks = [{ f, grad: df, wrt: [0, 1, 2], at: [[w, x, tensor([0.7, -1.2])]] }];
