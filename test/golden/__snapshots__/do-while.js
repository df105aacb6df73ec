import * as adjoint from "adjoint/internal";
// do...while: the body runs before the first test; two carried variables swap each iteration.
export function f(x, y) {
  let a = x;
  let b = y;
  let i = 0;
  do {
    const t = a + Math.sin(b);
    a = b;
    b = t;
    i += 1;
  } while (i < 3);
  return a * b;
}
function f_grad_x_y(x, y) {
  let a = x;
  let b = y;
  let i = 0;
  let trips = 0;
  let bTape = adjoint.numberTape();
  do {
    if (trips === bTape.length) {
      bTape = adjoint.growTape(bTape);
    }
    bTape[trips] = b;
    const t = a + Math.sin(b);
    a = b;
    b = t;
    i = i + 1;
    trips = trips + 1;
  } while (i < 3);
  let da = b;
  let db = a;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const bThen = bTape[trip];
    const dbNext = db;
    db = 0;
    db += da + dbNext * Math.cos(bThen);
    da = dbNext;
  }
  return [da, db];
}
export const df = f_grad_x_y;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.3, -0.7],
      [1.1, 0.4],
    ],
  },
];
