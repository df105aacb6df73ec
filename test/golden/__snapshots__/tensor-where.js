// where: the gradient goes to the value each element was taken from, none to the condition.
import { greater, mul, square, sum, tensor, where } from "adjoint";
import * as adjoint from "adjoint/internal";
export const f = (x, y) => sum(where(greater(x, y), square(x), mul(x, y)));
function f_grad_x_y(x, y) {
  const t1 = adjoint.greater(x, y);
  const t2 = adjoint.square(x);
  const t3 = adjoint.mul(x, y);
  const dt3 = adjoint.unbroadcast(adjoint.where(t1, 0, 1), t3, t1, t2);
  const dx = adjoint.add(
    adjoint.unbroadcast(adjoint.mul(dt3, y), x, y),
    adjoint.mul(adjoint.unbroadcast(adjoint.where(t1, 1, 0), t2, t1, t3), adjoint.mul(2, x)),
  );
  const dy = adjoint.unbroadcast(adjoint.mul(dt3, x), y, x);
  return [adjoint.fitGradient(dx, x), adjoint.fitGradient(dy, y)];
}
export const df = f_grad_x_y;
export const checks = [{ f, grad: df, wrt: [0, 1], at: [[tensor([0.5, -1, 2]), tensor([0.3, 0.4, 2.5])]] }];
