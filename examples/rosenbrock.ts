// The Rosenbrock function over a Float64Array, written as a loop, minimised by gradient
// descent with its generated gradient (a Float64Array of the same length).
import { valueAndGrad } from "adjoint";

/** sum over i of 100 (x[i+1] − x[i]²)² + (1 − x[i])², minimal (0) at x = 1, 1, ..., 1. */
export function rosenbrock(x: Float64Array): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    total += 100 * a * a + b * b;
  }
  return total;
}

export const rosenbrockValueAndGrad = valueAndGrad(rosenbrock);

if (require.main === module) {
  let x = Float64Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  for (let step = 0; step <= 40000; step++) {
    const { value, grad } = rosenbrockValueAndGrad(x);
    if (step % 8000 === 0)
      console.log(
        `step ${String(step).padStart(5)}  f = ${value.toExponential(3)}  x = [${Array.from(x, (v) => v.toFixed(3)).join(", ")}]`,
      );
    x = x.map((v, i) => v - 0.0008 * grad[i]!);
  }
}
