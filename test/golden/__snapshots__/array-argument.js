import * as adjoint from "adjoint/internal";
// An array parameter passed to a helper: the helper's gradient for it is added into the caller's.
function dot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function dot_forward_a_b(a, b) {
  let s = 0;
  let i = 0;
  let trips = 0;
  while (i < a.length) {
    s = s + a[i] * b[i];
    i = i + 1;
    trips = trips + 1;
  }
  return [
    s,
    (seed) => {
      const da = adjoint.zerosLikeArray(a);
      const db = adjoint.zerosLikeArray(b);
      const ds = seed;
      let trip = trips;
      while (trip > 0) {
        trip = trip - 1;
        db[trip] += ds * a[trip];
        da[trip] += ds * b[trip];
      }
      return [da, db];
    },
  ];
}
export function f(w, x) {
  const r = dot(w, x) - 1;
  return r * r + 0.1 * dot(w, w);
}
function f_grad_w_x(w, x) {
  const [dotValue, dotBack] = dot_forward_a_b(w, x);
  const r = dotValue - 1;
  const [dotValue2, dotBack2] = dot_forward_a_b(w, w);
  const dw = adjoint.zerosLikeArray(w);
  const dx = adjoint.zerosLikeArray(x);
  const [dw2, dw3] = dotBack2(0.1);
  adjoint.addIntoArray(dw, dw2);
  adjoint.addIntoArray(dw, dw3);
  const [dw4, dx2] = dotBack(r + r);
  adjoint.addIntoArray(dw, dw4);
  adjoint.addIntoArray(dx, dx2);
  return [dw, dx];
}
export const df = f_grad_w_x;
export const checks = [
  { f, grad: df, wrt: [0, 1], at: [[Float64Array.from([0.5, -1, 2]), Float64Array.from([1.5, 0.25, -0.5])]] },
];
