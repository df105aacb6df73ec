// Broadcasting: a bias row, a column times a row, and a number operand; each operand's
// gradient is summed back to its own shape.
import { add, mul, relu, sum, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(x, bias, column, scale) {
  const h = relu(add(x, bias));
  return sum(mul(mul(h, column), scale));
}
function f_grad_x_bias_column_scale(x, bias, column, scale) {
  const t1 = adjoint.add(x, bias);
  const h = adjoint.relu(t1);
  const t2 = adjoint.mul(h, column);
  let dt1;
  if (adjoint.sameShapes(column, t1, h)) {
    const columns = column.data;
    const t1s = t1.data;
    dt1 = adjoint.fusedResult(column, t1);
    const dt1s = dt1.data;
    const n = dt1s.length;
    for (let i = 0; i < n; i++) {
      const columni = columns[i];
      const t1i = t1s[i];
      const muli = scale * columni;
      const greateri = t1i > 0 ? 1 : 0;
      dt1s[i] = muli * greateri;
    }
  } else {
    dt1 = adjoint.mul(adjoint.unbroadcast(adjoint.mul(scale, column), h, column), adjoint.greater(t1, 0));
  }
  const dx = adjoint.unbroadcast(dt1, x, bias);
  const dBias = adjoint.unbroadcast(dt1, bias, x);
  const dColumn = adjoint.unbroadcast(adjoint.mul(scale, h), column, h);
  const dScale = adjoint.unbroadcast(t2, scale, t2);
  return [adjoint.fitGradient(dx, x), adjoint.fitGradient(dBias, bias), adjoint.fitGradient(dColumn, column), dScale];
}
export const df = f_grad_x_bias_column_scale;
const x = tensor([
  [0.5, -1],
  [2, 0.3],
  [-0.4, 1.1],
]);
export const checks = [
  { f, grad: df, wrt: [0, 1, 2, 3], at: [[x, tensor([0.1, -0.2]), tensor([[1], [-2], [0.5]]), 1.5]] },
];
