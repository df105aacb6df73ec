import * as adjoint from "adjoint/internal";
// continue ends an iteration (the for's update still runs), break leaves the loop.
export function f(x) {
  let y = 1;
  for (let i = 0; i < 10; i++) {
    if (i === 2) continue;
    y = y * x + Math.sin(y);
    if (y > 4) break;
  }
  return y;
}
function f_grad(x) {
  let y = 1;
  let i = 0;
  let running = 1;
  let trips = 0;
  let yTape = adjoint.numberTape();
  while (running && i < 10) {
    if (trips === yTape.length) {
      yTape = adjoint.growTape(yTape);
    }
    yTape[trips] = y;
    let y_2;
    let i_3;
    let running_1;
    if (i === 2) {
      y_2 = y;
      i_3 = i + 1;
      running_1 = 1;
    } else {
      const y_1 = y * x + Math.sin(y);
      if (y_1 > 4) {
        y_2 = y_1;
        i_3 = i;
        running_1 = 0;
      } else {
        y_2 = y_1;
        i_3 = i + 1;
        running_1 = 1;
      }
    }
    y = y_2;
    i = i_3;
    running = running_1;
    trips = trips + 1;
  }
  let dx = 0;
  let dy = 1;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const yThen = yTape[trip];
    let y_1;
    if (!(trip === 2)) {
      y_1 = yThen * x + Math.sin(yThen);
    }
    const dyNext = dy;
    dy = 0;
    if (trip === 2) {
      dy += dyNext;
    } else {
      let dy_1 = 0;
      if (y_1 > 4) {
        dy_1 += dyNext;
      } else {
        dy_1 += dyNext;
      }
      dy += dy_1 * Math.cos(yThen) + dy_1 * x;
      dx += dy_1 * yThen;
    }
  }
  return dx;
}
export const df = f_grad;
export const checks = [{ f, grad: df, at: [[0.5], [1.3], [-0.7]] }];
