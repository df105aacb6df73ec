// The gradient of sum(f(x) + g(x) - stopGradient(g(x))), f(x) = x², g(x) = x³, written by
// hand op by op with the runtime's primitives: dx = f' + g' = 2x + 3x² (the stopGradient
// term contributes nothing). No transformer; this is the cost of composing runtime ops,
// four elementwise ops and four fresh buffers, with no forward pass.
import { add, mul, pow, type Tensor } from "adjoint";

export function dModifiedComposed(x: Tensor): Tensor {
  return add(add(x, x), mul(3, pow(x, 2)));
}
