// vjp: the gradient of sum(seed · f(x)), for a number and for a tensor result; the seed is
// the last argument.
import { exp, mul, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export const f = (x) => x * Math.sin(x);
function f_vjp(x, seed) {
  const dx = seed * Math.sin(x) + seed * x * Math.cos(x);
  return dx;
}
export const tensorF = (x) => mul(exp(x), x);
function tensorF_vjp(x, seed) {
  const t1 = adjoint.exp(x);
  let dx;
  if (adjoint.sameShapes(seed, t1, x)) {
    const seeds = seed.data;
    const t1s = t1.data;
    const xs = x.data;
    dx = adjoint.fusedResult(seed, t1, x);
    const dxs = dx.data;
    const n = dxs.length;
    for (let i = 0; i < n; i++) {
      const seedi = seeds[i];
      const t1i = t1s[i];
      const xi = xs[i];
      const muli = seedi * t1i;
      const muli2 = seedi * xi;
      const muli3 = muli2 * t1i;
      dxs[i] = muli + muli3;
    }
  } else {
    dx = adjoint.add(adjoint.mul(seed, t1), adjoint.mul(adjoint.mul(seed, x), t1));
  }
  return adjoint.fitGradient(dx, x);
}
export const pullback = f_vjp;
export const tensorPullback = tensorF_vjp;
export const checks = [
  {
    f,
    vjp: pullback,
    at: [
      [0.7, 3],
      [-1.5, -0.5],
    ],
  },
  { f: tensorF, vjp: tensorPullback, at: [[tensor([0.1, -0.4, 2]), tensor([1, 0, -3])]] },
];
