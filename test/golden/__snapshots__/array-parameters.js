import * as adjoint from "adjoint/internal";
// Array parameters, number[] and Float64Array, read by index and length: their gradients are
// arrays of the same kind.
export function f(a, b) {
  let s = 0;
  for (let i = 0; i + 1 < a.length; i++) s += a[i] * b[i + 1] - a[i + 1] ** 2;
  return s * s;
}
function f_grad_a_b(a, b) {
  let s = 0;
  let i = 0;
  let trips = 0;
  while (i + 1 < a.length) {
    const t2 = i + 1;
    s = s + (a[i] * b[t2] - a[t2] ** 2);
    i = t2;
    trips = trips + 1;
  }
  const da = adjoint.zerosLikeArray(a);
  const db = adjoint.zerosLikeArray(b);
  const ds = s + s;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const t2 = trip + 1;
    da[t2] += -(ds * (2 * a[t2]));
    db[t2] += ds * a[trip];
    da[trip] += ds * b[t2];
  }
  return [da, db];
}
export const df = f_grad_a_b;
export const checks = [{ f, grad: df, wrt: [0, 1], at: [[[1, 2, -0.5], Float64Array.from([0.5, -1, 2])]] }];
