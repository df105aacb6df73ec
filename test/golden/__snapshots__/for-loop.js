import * as adjoint from "adjoint/internal";
// A for loop: the variable it reassigns is taped each iteration, the counter is recomputed.
export function f(x, n) {
  let y = 1;
  for (let i = 0; i < n; i++) y = y * x + Math.sin(y);
  return y;
}
function f_grad(x, n) {
  let y = 1;
  let i = 0;
  let trips = 0;
  let yTape = adjoint.numberTape();
  while (i < n) {
    if (trips === yTape.length) {
      yTape = adjoint.growTape(yTape);
    }
    yTape[trips] = y;
    y = y * x + Math.sin(y);
    i = i + 1;
    trips = trips + 1;
  }
  let dx = 0;
  let dy = 1;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const yThen = yTape[trip];
    dx += dy * yThen;
    dy = dy * Math.cos(yThen) + dy * x;
  }
  return dx;
}
export const df = f_grad;
export const checks = [
  {
    f,
    grad: df,
    at: [
      [0.7, 3],
      [-1.2, 4],
      [0.5, 0],
    ],
  },
];
