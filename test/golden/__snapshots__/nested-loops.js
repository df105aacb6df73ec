import * as adjoint from "adjoint/internal";
// An inner loop whose trip count depends on the outer counter, with a branch inside.
export function f(x, y) {
  let s = 0;
  for (let i = 1; i <= 3; i++) {
    let inner = x;
    for (let j = 0; j < i; j++) {
      if (inner > 1) inner = Math.sqrt(inner) * y;
      else inner = inner * inner + x * j;
    }
    s += inner * i;
  }
  return s;
}
function f_grad_x_y(x, y) {
  let i = 1;
  let trips2 = 0;
  while (i <= 3) {
    let inner = x;
    let j = 0;
    while (j < i) {
      let inner_3;
      if (inner > 1) {
        inner_3 = Math.sqrt(inner) * y;
      } else {
        inner_3 = inner * inner + x * j;
      }
      inner = inner_3;
      j = j + 1;
    }
    i = i + 1;
    trips2 = trips2 + 1;
  }
  let dx = 0;
  let dy = 0;
  let trip = trips2;
  while (trip > 0) {
    trip = trip - 1;
    let inner = x;
    let j = 0;
    let trips3 = 0;
    let innerTape2 = adjoint.numberTape();
    while (j < 1 + trip) {
      if (trips3 === innerTape2.length) {
        innerTape2 = adjoint.growTape(innerTape2);
      }
      innerTape2[trips3] = inner;
      let inner_3;
      if (inner > 1) {
        inner_3 = Math.sqrt(inner) * y;
      } else {
        inner_3 = inner * inner + x * j;
      }
      inner = inner_3;
      j = j + 1;
      trips3 = trips3 + 1;
    }
    let dInner = 1 + trip;
    let trip2 = trips3;
    while (trip2 > 0) {
      trip2 = trip2 - 1;
      const innerThen = innerTape2[trip2];
      let t1;
      if (innerThen > 1) {
        t1 = Math.sqrt(innerThen);
      }
      const dInnerNext = dInner;
      dInner = 0;
      if (innerThen > 1) {
        dy += dInnerNext * t1;
        dInner += (dInnerNext * y) / (2 * t1);
      } else {
        dx += dInnerNext * trip2;
        dInner += dInnerNext * innerThen + dInnerNext * innerThen;
      }
    }
    dx += dInner;
  }
  return [dx, dy];
}
export const df = f_grad_x_y;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.3, 0.9],
      [1.4, 0.8],
      [-0.5, 0.3],
    ],
  },
];
