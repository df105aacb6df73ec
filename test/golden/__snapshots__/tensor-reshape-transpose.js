// reshape and transpose move each element's gradient back to where the element came from.
import { mul, reshape, sum, tensor, transpose } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(x) {
  const columns = transpose(reshape(x, [2, 3]));
  return sum(mul(columns, tensor([[1], [2], [3]])), 0);
}
function f_grad(x) {
  const t1 = adjoint.reshape(x, [2, 3]);
  const columns = adjoint.transpose(t1);
  const t2 = tensor([[1], [2], [3]]);
  const t3 = adjoint.mul(columns, t2);
  const dx = adjoint.reshapeGrad(
    adjoint.transposeGrad(
      adjoint.unbroadcast(adjoint.mul(adjoint.sumGrad(1, t3, adjoint.sum(t3, 0), 0), t2), columns, t2),
      columns,
    ),
    x,
    t1,
  );
  return adjoint.fitGradient(dx, x);
}
export const df = f_grad;
export const checks = [{ f, grad: df, at: [[tensor([0.5, -1, 2, 0.3, -0.6, 1.1])]] }];
