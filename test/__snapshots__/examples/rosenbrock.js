// The Rosenbrock function over a Float64Array, written as a loop, minimised by gradient
// descent with its generated gradient (a Float64Array of the same length).
import { valueAndGrad } from "adjoint";
import * as adjoint from "adjoint";
/** sum over i of 100 (x[i+1] − x[i]²)² + (1 − x[i])², minimal (0) at x = 1, 1, ..., 1. */
export function rosenbrock(x) {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    total += 100 * a * a + b * b;
  }
  return total;
}
function rosenbrock_valueAndGrad(x) {
  let total = 0;
  let i = 0;
  let trips = 0;
  while (i + 1 < x.length) {
    const t1 = i + 1;
    const t2 = x[t1];
    const t3 = x[i];
    const t4 = x[i];
    const t5 = t3 * t4;
    const a = t2 - t5;
    const t6 = x[i];
    const b = 1 - t6;
    const t7 = 100 * a;
    total = total + (t7 * a + b * b);
    i = i + 1;
    trips = trips + 1;
  }
  const dx = adjoint.zerosLikeArray(x);
  let dTotal = 1;
  let k = trips;
  while (k > 0) {
    k = k - 1;
    const t1 = k + 1;
    const t2 = x[t1];
    const t3 = x[k];
    const t4 = x[k];
    const t5 = t3 * t4;
    const a = t2 - t5;
    const t6 = x[k];
    const b = 1 - t6;
    const t7 = 100 * a;
    const dTotalNext = dTotal;
    dTotal = 0;
    dx[k] += -(dTotalNext * b + dTotalNext * b);
    const da = dTotalNext * t7 + 100 * (dTotalNext * a);
    dx[k] += -(da * t3);
    dx[k] += -(da * t4);
    dx[t1] += da;
    dTotal += dTotalNext;
  }
  return { value: total, grad: dx };
}
export const rosenbrockValueAndGrad = rosenbrock_valueAndGrad;
if (require.main === module) {
  let x = Float64Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  for (let step = 0; step <= 40000; step++) {
    const { value, grad } = rosenbrockValueAndGrad(x);
    if (step % 8000 === 0)
      console.log(
        `step ${String(step).padStart(5)}  f = ${value.toExponential(3)}  x = [${Array.from(x, (v) => v.toFixed(3)).join(", ")}]`,
      );
    x = x.map((v, i) => v - 0.0008 * grad[i]);
  }
}
