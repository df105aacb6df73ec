import * as adjoint from "adjoint/internal";
// A number[] literal the function creates, overwritten in place and read back.
export function f(x, y) {
  const a = [x, y, x * y];
  for (let i = 1; i < 3; i++) a[i] = a[i] * a[i - 1] + 1;
  a[0] -= Math.sin(a[2]);
  return a[0] + 2 * a[1] + a[2];
}
function f_grad_x_y(x, y) {
  let readLog = adjoint.numberTape();
  const a = [x, y, x * y];
  let i = 1;
  let reads = 0;
  let trips = 0;
  while (i < 3) {
    const t2 = a[i];
    if (reads === readLog.length) {
      readLog = adjoint.growTape(readLog);
    }
    readLog[reads] = t2;
    const t3 = reads + 1;
    const t5 = a[i - 1];
    if (t3 === readLog.length) {
      readLog = adjoint.growTape(readLog);
    }
    readLog[t3] = t5;
    a[i] = t2 * t5 + 1;
    i = i + 1;
    reads = t3 + 1;
    trips = trips + 1;
  }
  const t10 = a[2];
  const t12 = a[0] - Math.sin(t10);
  a[0] = t12;
  const da = adjoint.zerosLikeArray(a);
  da[2] += 1;
  da[1] += 2;
  da[0] += 1;
  const dt12 = da[0];
  da[0] = 0;
  da[2] += -(dt12 * Math.cos(t10));
  da[0] += dt12;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const dt8 = da[1 + trip];
    da[1 + trip] = 0;
    da[1 + trip - 1] += dt8 * readLog[2 * trip];
    da[1 + trip] += dt8 * readLog[2 * trip + 1];
  }
  const dt1 = da[2];
  const dx = da[0] + dt1 * y;
  const dy = da[1] + dt1 * x;
  return [dx, dy];
}
export const df = f_grad_x_y;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.7, 1.2],
      [-0.5, 0.8],
    ],
  },
];
