import * as adjoint from "adjoint/internal";
// A return inside a loop ends it like a break, leaving its value for after the loop.
export function f(x, limit) {
  let y = x;
  for (let i = 0; i < 20; i++) {
    y = y * 1.3 + Math.sin(y);
    if (y > limit) return y * x;
  }
  return -y;
}
function f_grad(x, limit) {
  let y = x;
  let i = 0;
  let running = 1;
  let returned = 0;
  let trips = 0;
  let yTape = adjoint.numberTape();
  while (running && i < 20) {
    if (trips === yTape.length) {
      yTape = adjoint.growTape(yTape);
    }
    yTape[trips] = y;
    const y_1 = y * 1.3 + Math.sin(y);
    let i_2;
    let running_1;
    let returned_1;
    if (y_1 > limit) {
      i_2 = i;
      running_1 = 0;
      returned_1 = 1;
    } else {
      i_2 = i + 1;
      running_1 = 1;
      returned_1 = 0;
    }
    y = y_1;
    i = i_2;
    running = running_1;
    returned = returned_1;
    trips = trips + 1;
  }
  let dy = 0;
  let dReturnValue = 0;
  if (returned) {
    dReturnValue += 1;
  } else {
    dy += -1;
  }
  let dx = 0;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const yThen = yTape[trip];
    const y_1 = yThen * 1.3 + Math.sin(yThen);
    const dReturnValueNext = dReturnValue;
    dReturnValue = 0;
    let dy_1 = dy;
    if (y_1 > limit) {
      dy_1 += dReturnValueNext * x;
      dx += dReturnValueNext * y_1;
    } else {
      dReturnValue += dReturnValueNext;
    }
    dy = dy_1 * Math.cos(yThen) + 1.3 * dy_1;
  }
  dx += dy;
  return dx;
}
export const df = f_grad;
export const checks = [
  {
    f,
    grad: df,
    at: [
      [0.4, 3],
      [1.1, 3],
      [0.05, 1e9],
    ],
  },
];
