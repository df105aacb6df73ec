// checkGrad: the transformer passes it the gradient it generates, which it compares with
// central finite differences.
import { add, checkGrad, matmul, mean, tanh, tensor, type Tensor } from "adjoint";

export const loss = (w: Tensor, b: Tensor, x: Tensor) => mean(tanh(add(matmul(x, w), b)));

const w = tensor([
  [0.1, 0.4],
  [-0.3, 0.8],
]);
const x = tensor([
  [0.2, -0.5],
  [1.5, 0.3],
  [0.1, 0.9],
]);

export const checks = [{ checkGrad: () => checkGrad(loss, [w, tensor([0.05, -0.1]), x], { wrt: [0, 1], rtol: 1e-6 }) }];
