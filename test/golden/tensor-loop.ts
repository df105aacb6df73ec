// A tensor carried through a loop: a recurrent layer applied n times, with weights shared.
import { add, grad, matmul, sum, tanh, tensor, type Tensor } from "adjoint";

export function f(w: Tensor, h0: Tensor, n: number) {
  let h = h0;
  for (let i = 0; i < n; i++) h = tanh(add(matmul(h, w), h0));
  return sum(h);
}

export const df = grad(f, { wrt: [0, 1] });

const w = tensor([
  [0.5, -0.3],
  [0.8, 0.2],
]);

export const checks = [{ f, grad: df, wrt: [0, 1], at: [[w, tensor([0.4, -0.9]), 3]] }];
