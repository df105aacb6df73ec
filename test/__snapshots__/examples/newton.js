import * as adjoint from "adjoint/internal";
// Newton's method on the 2-D Rosenbrock function with its generated Hessian, against plain
// gradient descent from the same start. `hessian(f)` of a function of a Float64Array gives
// the rows of the Hessian (Float64Array[]), built from forward-over-reverse Hessian-vector
// products; the 2×2 Newton system H·d = −g is solved by hand (Cramer's rule).
/** (1 − x₀)² + 100 (x₁ − x₀²)², minimal (0) at (1, 1). */
export function rosenbrock(x) {
  const a = 1 - x[0];
  const b = x[1] - x[0] * x[0];
  return a * a + 100 * b * b;
}
function rosenbrock_grad(x) {
  const t1 = x[0];
  const a = 1 - t1;
  const b = x[1] - t1 * t1;
  const dx = adjoint.zerosLikeArray(x);
  const db = 100 * b + 100 * b;
  dx[1] += db;
  dx[0] += -(db * t1) - db * t1 - (a + a);
  return dx;
}
function rosenbrock_valueAndGrad(x) {
  const t1 = x[0];
  const a = 1 - t1;
  const b = x[1] - t1 * t1;
  const t5 = 100 * b;
  const dx = adjoint.zerosLikeArray(x);
  const db = t5 + 100 * b;
  dx[1] += db;
  dx[0] += -(db * t1) - db * t1 - (a + a);
  return { value: a * a + t5 * b, grad: dx };
}
function rosenbrock_hvp(x, xDot) {
  const t1 = x[0];
  const t1Dot = xDot[0];
  const aDot = -t1Dot;
  const t11 = t1Dot * t1;
  const b = x[1] - t1 * t1;
  const bDot = xDot[1] + -(t11 + t11);
  const dx = adjoint.zerosLikeArray(x);
  const dBDot = 100 * b + 100 * b;
  const db = 100 * bDot + 100 * bDot;
  dx[1] += db;
  dx[0] += (-dBDot - dBDot) * t1Dot - db * t1 - db * t1 - 2 * aDot;
  return dx;
}
function rosenbrock_hessian(x) {
  return adjoint.hessianOf(rosenbrock_hvp, [x], 0);
}
export const dRosenbrock = rosenbrock_grad;
export const rosenbrockValueAndGrad = rosenbrock_valueAndGrad;
export const hRosenbrock = rosenbrock_hessian;
export const hvpRosenbrock = rosenbrock_hvp;
const norm = (v) => Math.hypot(...v);
const show = (v) => `[${Array.from(v, (e) => e.toFixed(10).padStart(13)).join(", ")}]`;
/** One Newton step: x − H⁻¹ g, the 2×2 system solved by Cramer's rule. */
export function newtonStep(x) {
  const g = dRosenbrock(x);
  const [row0, row1] = hRosenbrock(x);
  const [a, b, c, d] = [row0[0], row0[1], row1[0], row1[1]];
  const det = a * d - b * c;
  const d0 = (-g[0] * d + b * g[1]) / det;
  const d1 = (-a * g[1] + c * g[0]) / det;
  return Float64Array.of(x[0] + d0, x[1] + d1);
}
if (require.main === module) {
  const start = Float64Array.of(-1.2, 1);
  // The Hessian at the start, and one Hessian-vector product against its rows.
  const H = hRosenbrock(start);
  const v = Float64Array.of(0.5, -2);
  const Hv = hvpRosenbrock(start, v);
  const rows = H.map((row) => row[0] * v[0] + row[1] * v[1]);
  console.log(`H(x₀) = [${H.map((row) => `[${Array.from(row).join(", ")}]`).join(", ")}]`);
  console.log(
    `hvp(x₀, v = [0.5, -2]) = [${Array.from(Hv).join(", ")}]   rows of H · v = [${rows.join(", ")}]`,
  );
  console.log("\nNewton's method (grad and hessian):");
  console.log("iter                    x                          f(x)       |grad f|");
  let x = start;
  let newtonIterations = 0;
  for (let iter = 0; ; iter++) {
    const { value, grad: g } = rosenbrockValueAndGrad(x);
    console.log(
      `${String(iter).padStart(4)}  ${show(x)}  ${value.toExponential(3).padStart(10)}  ${norm(g).toExponential(3).padStart(10)}`,
    );
    if (norm(g) < 1e-10 || iter === 50) {
      newtonIterations = iter;
      break;
    }
    x = newtonStep(x);
  }
  const LR = 1e-3;
  const MAX = 200_000;
  console.log(`\nGradient descent (step ${LR}) from the same start:`);
  let y = start;
  let f = Infinity;
  let iter = 0;
  for (; iter < MAX; iter++) {
    const { value, grad: g } = rosenbrockValueAndGrad(y);
    f = value;
    if (f < 1e-10) break;
    if (iter % 5_000 === 0)
      console.log(`${String(iter).padStart(6)}  ${show(y)}  f = ${f.toExponential(3)}`);
    y = Float64Array.of(y[0] - LR * g[0], y[1] - LR * g[1]);
  }
  console.log(
    iter < MAX
      ? `gradient descent reached f < 1e-10 after ${iter} iterations (Newton: ${newtonIterations} steps)`
      : `gradient descent has not reached f < 1e-10 after ${MAX} iterations: f = ${f.toExponential(3)} (Newton: ${newtonIterations} steps)`,
  );
}
