// matmul of matrices and of a matrix and a vector, and dot of vectors.
import { dot, grad, matmul, tanh, tensor, type Tensor } from "adjoint";

export function f(w: Tensor, x: Tensor, v: Tensor) {
  const h = tanh(matmul(x, w));
  return dot(matmul(h, v), matmul(x, v));
}

export const df = grad(f, { wrt: [0, 1, 2] });

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
