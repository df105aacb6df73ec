// matmul of matrices and of a matrix and a vector, and dot of vectors.
import { dot, grad, matmul, tanh, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(w, x, v) {
  const h = tanh(matmul(x, w));
  return dot(matmul(h, v), matmul(x, v));
}
function f_grad_w_x_v(w, x, v) {
  const h = adjoint.tanh(adjoint.matmul(x, w));
  const t2 = adjoint.matmul(h, v);
  const t3 = adjoint.matmul(x, v);
  const dt3 = adjoint.matmulGradB(1, t2, t3);
  const dt2 = adjoint.matmulGradA(1, t2, t3);
  const dt1 = adjoint.mul(adjoint.matmulGradA(dt2, h, v), adjoint.sub(1, adjoint.square(h)));
  const dw = adjoint.matmulGradB(dt1, x, w);
  const dx = adjoint.add(adjoint.matmulGradA(dt3, x, v), adjoint.matmulGradA(dt1, x, w));
  const dv = adjoint.add(adjoint.matmulGradB(dt3, x, v), adjoint.matmulGradB(dt2, h, v));
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
