import * as adjoint from "adjoint/internal";
// The Rosenbrock function over a Float64Array, written as a loop, minimised by gradient
// descent with its generated gradient (a Float64Array of the same length).
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
    const t3 = x[i];
    const a = x[t1] - t3 * t3;
    const b = 1 - t3;
    total = total + (100 * a * a + b * b);
    i = t1;
    trips = trips + 1;
  }
  const dx = adjoint.zerosLikeArray(x);
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const t1 = trip + 1;
    const t3 = x[trip];
    const a = x[t1] - t3 * t3;
    const b = 1 - t3;
    const da = 100 * a + 100 * a;
    dx[trip] += -(b + b) - da * t3 - da * t3;
    dx[t1] += da;
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
