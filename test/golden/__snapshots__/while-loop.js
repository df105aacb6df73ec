import * as adjoint from "adjoint/internal";
// A while loop with a counter incremented in the body: x^n.
export function f(x, n) {
  let y = 1;
  let k = 0;
  while (k < n) {
    y = y * x;
    k++;
  }
  return y;
}
function f_grad(x, n) {
  let y = 1;
  let k = 0;
  let trips = 0;
  let yTape = adjoint.numberTape();
  while (k < n) {
    if (trips === yTape.length) {
      yTape = adjoint.growTape(yTape);
    }
    yTape[trips] = y;
    y = y * x;
    k = k + 1;
    trips = trips + 1;
  }
  let dx = 0;
  let dy = 1;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const yThen = yTape[trip];
    dx += dy * yThen;
    dy = dy * x;
  }
  return dx;
}
export const df = f_grad;
export const checks = [
  {
    f,
    grad: df,
    at: [
      [1.3, 5],
      [-0.8, 2],
      [2, 0],
    ],
  },
];
