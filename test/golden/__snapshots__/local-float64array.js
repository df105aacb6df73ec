import * as adjoint from "adjoint/internal";
// A Float64Array the function allocates: prefix sums written in one loop, read in another.
export function f(x, w) {
  const s = new Float64Array(x.length);
  let acc = 0;
  for (let i = 0; i < x.length; i++) {
    acc += x[i] * w;
    s[i] = acc;
  }
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    total += v * v;
  }
  return total;
}
function f_grad_x_w(x, w) {
  let readLog = adjoint.numberTape();
  const s = new Float64Array(x.length);
  let acc = 0;
  let i = 0;
  let trips = 0;
  while (i < x.length) {
    const acc_1 = acc + x[i] * w;
    s[i] = acc_1;
    acc = acc_1;
    i = i + 1;
    trips = trips + 1;
  }
  let i_2 = 0;
  let reads = 0;
  let trips2 = 0;
  while (i_2 < s.length) {
    const v = s[i_2];
    if (reads === readLog.length) {
      readLog = adjoint.growTape(readLog);
    }
    readLog[reads] = v;
    i_2 = i_2 + 1;
    reads = reads + 1;
    trips2 = trips2 + 1;
  }
  const dx = adjoint.zerosLikeArray(x);
  const ds = adjoint.zerosLikeArray(s);
  let trip = trips2;
  while (trip > 0) {
    trip = trip - 1;
    const v = readLog[trip];
    ds[trip] += v + v;
  }
  let dw = 0;
  let dAcc = 0;
  let trip2 = trips;
  while (trip2 > 0) {
    trip2 = trip2 - 1;
    const dAcc_1 = ds[trip2];
    ds[trip2] = 0;
    const dAcc_1b = dAcc + dAcc_1;
    dx[trip2] += dAcc_1b * w;
    dw += dAcc_1b * x[trip2];
    dAcc = dAcc_1b;
  }
  return [dx, dw];
}
export const df = f_grad_x_w;
export const checks = [{ f, grad: df, wrt: [0, 1], at: [[Float64Array.from([0.5, -1.25, 2]), 1.5]] }];
