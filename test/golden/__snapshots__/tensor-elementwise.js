// Elementwise tensor primitives of two tensors of the same shape; the result's sum is differentiated.
import { add, div, exp, grad, log, mul, neg, sigmoid, sqrt, square, sub, tanh, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(x, y) {
  const a = add(mul(x, y), div(exp(x), add(square(y), 1)));
  return sub(tanh(a), mul(log(sqrt(add(square(x), 1))), neg(sigmoid(y))));
}
function f_grad_x_y(x, y) {
  const t1 = adjoint.mul(x, y);
  const t2 = adjoint.exp(x);
  const t4 = adjoint.add(adjoint.square(y), 1);
  const t5 = adjoint.div(t2, t4);
  const a = adjoint.add(t1, t5);
  const t6 = adjoint.tanh(a);
  const t9 = adjoint.sqrt(adjoint.add(adjoint.square(x), 1));
  const t10 = adjoint.log(t9);
  const t11 = adjoint.sigmoid(y);
  const t12 = adjoint.neg(t11);
  const t13 = adjoint.mul(t10, t12);
  const dt13 = adjoint.unbroadcast(-1, t13, t6);
  const da = adjoint.mul(adjoint.unbroadcast(1, t6, t13), adjoint.sub(1, adjoint.square(t6)));
  const dt5 = adjoint.unbroadcast(da, t5, t1);
  const dt1 = adjoint.unbroadcast(da, t1, t5);
  const dx = adjoint.add(
    adjoint.add(
      adjoint.mul(
        adjoint.div(adjoint.div(adjoint.unbroadcast(adjoint.mul(dt13, t12), t10, t12), t9), adjoint.mul(2, t9)),
        adjoint.mul(2, x),
      ),
      adjoint.mul(adjoint.unbroadcast(adjoint.div(dt5, t4), t2, t4), t2),
    ),
    adjoint.unbroadcast(adjoint.mul(dt1, y), x, y),
  );
  const dy = adjoint.add(
    adjoint.add(
      adjoint.mul(
        adjoint.neg(adjoint.unbroadcast(adjoint.mul(dt13, t10), t12, t10)),
        adjoint.mul(t11, adjoint.sub(1, t11)),
      ),
      adjoint.mul(adjoint.unbroadcast(adjoint.neg(adjoint.div(adjoint.mul(dt5, t5), t4)), t4, t2), adjoint.mul(2, y)),
    ),
    adjoint.unbroadcast(adjoint.mul(dt1, x), y, x),
  );
  return [adjoint.fitGradient(dx, x), adjoint.fitGradient(dy, y)];
}
export const df = f_grad_x_y;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [
        tensor([
          [0.5, -1],
          [2, 0.3],
        ]),
        tensor([
          [1.5, 0.2],
          [-0.7, 1],
        ]),
      ],
    ],
  },
];
