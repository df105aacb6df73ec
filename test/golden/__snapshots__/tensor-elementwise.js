// Elementwise tensor primitives of two tensors of the same shape; the result's sum is differentiated.
import { add, div, exp, log, mul, neg, sigmoid, sqrt, square, sub, tanh, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(x, y) {
  const a = add(mul(x, y), div(exp(x), add(square(y), 1)));
  return sub(tanh(a), mul(log(sqrt(add(square(x), 1))), neg(sigmoid(y))));
}
function f_grad_x_y(x, y) {
  const t1 = adjoint.mul(x, y);
  const t2 = adjoint.exp(x);
  let t4;
  if (adjoint.sameShapes(y)) {
    const ys = y.data;
    t4 = adjoint.fusedResult(y);
    const t4s = t4.data;
    const n = t4s.length;
    for (let i = 0; i < n; i++) {
      const yi = ys[i];
      const squarei = yi * yi;
      t4s[i] = squarei + 1;
    }
  } else {
    t4 = adjoint.add(adjoint.square(y), 1);
  }
  const t5 = adjoint.div(t2, t4);
  const a = adjoint.add(t1, t5);
  const t6 = adjoint.tanh(a);
  let t9;
  if (adjoint.sameShapes(x)) {
    const xs = x.data;
    t9 = adjoint.fusedResult(x);
    const t9s = t9.data;
    const n = t9s.length;
    for (let i = 0; i < n; i++) {
      const xi = xs[i];
      const squarei = xi * xi;
      const addi = squarei + 1;
      t9s[i] = Math.sqrt(addi);
    }
  } else {
    t9 = adjoint.sqrt(adjoint.add(adjoint.square(x), 1));
  }
  const t10 = adjoint.log(t9);
  const t11 = adjoint.sigmoid(y);
  const t12 = adjoint.neg(t11);
  const t13 = adjoint.mul(t10, t12);
  const dt13 = adjoint.unbroadcast(-1, t13, t6);
  let da;
  if (adjoint.sameShapes(t6)) {
    const t6s = t6.data;
    da = adjoint.fusedResult(t6);
    const das = da.data;
    const c = adjoint.unbroadcast(1, t6, t13);
    const n = das.length;
    for (let i = 0; i < n; i++) {
      const t6i = t6s[i];
      const squarei = t6i * t6i;
      const subi = 1 - squarei;
      das[i] = c * subi;
    }
  } else {
    da = adjoint.mul(adjoint.unbroadcast(1, t6, t13), adjoint.sub(1, adjoint.square(t6)));
  }
  const dt5 = adjoint.unbroadcast(da, t5, t1);
  const dt1 = adjoint.unbroadcast(da, t1, t5);
  let dx;
  if (adjoint.sameShapes(t12, t9, x, dt5, t4, t2, dt1, y, t10)) {
    const t12s = t12.data;
    const t9s = t9.data;
    const xs = x.data;
    const dt5s = dt5.data;
    const t4s = t4.data;
    const t2s = t2.data;
    const dt1s = dt1.data;
    const ys = y.data;
    dx = adjoint.fusedResult(t12, t9, x, dt5, t4, t2, dt1, y);
    const dxs = dx.data;
    const n = dxs.length;
    for (let i = 0; i < n; i++) {
      const t12i = t12s[i];
      const t9i = t9s[i];
      const xi = xs[i];
      const dt5i = dt5s[i];
      const t4i = t4s[i];
      const t2i = t2s[i];
      const dt1i = dt1s[i];
      const yi = ys[i];
      const muli = dt13 * t12i;
      const divi = muli / t9i;
      const muli2 = 2 * t9i;
      const divi2 = divi / muli2;
      const muli3 = 2 * xi;
      const muli4 = divi2 * muli3;
      const divi3 = dt5i / t4i;
      const muli5 = divi3 * t2i;
      const addi = muli4 + muli5;
      const muli6 = dt1i * yi;
      dxs[i] = addi + muli6;
    }
  } else {
    dx = adjoint.add(
      adjoint.add(
        adjoint.mul(
          adjoint.div(adjoint.div(adjoint.unbroadcast(adjoint.mul(dt13, t12), t10, t12), t9), adjoint.mul(2, t9)),
          adjoint.mul(2, x),
        ),
        adjoint.mul(adjoint.unbroadcast(adjoint.div(dt5, t4), t2, t4), t2),
      ),
      adjoint.unbroadcast(adjoint.mul(dt1, y), x, y),
    );
  }
  let dy;
  if (adjoint.sameShapes(t10, t11, dt5, t5, t4, y, dt1, x, t12, t2)) {
    const t10s = t10.data;
    const t11s = t11.data;
    const dt5s = dt5.data;
    const t5s = t5.data;
    const t4s = t4.data;
    const ys = y.data;
    const dt1s = dt1.data;
    const xs = x.data;
    dy = adjoint.fusedResult(t10, t11, dt5, t5, t4, y, dt1, x);
    const dys = dy.data;
    const n = dys.length;
    for (let i = 0; i < n; i++) {
      const t10i = t10s[i];
      const t11i = t11s[i];
      const dt5i = dt5s[i];
      const t5i = t5s[i];
      const t4i = t4s[i];
      const yi = ys[i];
      const dt1i = dt1s[i];
      const xi = xs[i];
      const muli = dt13 * t10i;
      const negi = -muli;
      const subi = 1 - t11i;
      const muli2 = t11i * subi;
      const muli3 = negi * muli2;
      const muli4 = dt5i * t5i;
      const divi = muli4 / t4i;
      const negi2 = -divi;
      const muli5 = 2 * yi;
      const muli6 = negi2 * muli5;
      const addi = muli3 + muli6;
      const muli7 = dt1i * xi;
      dys[i] = addi + muli7;
    }
  } else {
    dy = adjoint.add(
      adjoint.add(
        adjoint.mul(
          adjoint.neg(adjoint.unbroadcast(adjoint.mul(dt13, t10), t12, t10)),
          adjoint.mul(t11, adjoint.sub(1, t11)),
        ),
        adjoint.mul(adjoint.unbroadcast(adjoint.neg(adjoint.div(adjoint.mul(dt5, t5), t4)), t4, t2), adjoint.mul(2, y)),
      ),
      adjoint.unbroadcast(adjoint.mul(dt1, x), y, x),
    );
  }
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
