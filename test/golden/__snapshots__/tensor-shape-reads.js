// Shape reads are constants: x.size, x.shape[i], onesLike(x), a loop to x.shape[0].
import { add, div, mul, onesLike, sum, tensor, zeros } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(x) {
  let acc = zeros([x.shape[1]]);
  for (let i = 0; i < x.shape[0]; i++) acc = add(acc, mul(x, i + 1));
  return div(sum(mul(acc, add(x, onesLike(x)))), x.size);
}
function f_grad(x) {
  const acc = zeros([x.shape[1]]);
  let acc_1 = acc;
  let i = 0;
  let trips = 0;
  const acc_1Tape = [];
  while (i < x.shape[0]) {
    acc_1Tape[trips] = acc_1;
    const t1 = i + 1;
    if (adjoint.sameShapes(acc_1, x)) {
      const acc_1s = acc_1.data;
      const xs = x.data;
      acc_1 = adjoint.fusedResult(acc_1, x);
      const acc_1s2 = acc_1.data;
      const n = acc_1s2.length;
      for (let i2 = 0; i2 < n; i2++) {
        const acc_1i = acc_1s[i2];
        const xi = xs[i2];
        const muli = xi * t1;
        acc_1s2[i2] = acc_1i + muli;
      }
    } else {
      acc_1 = adjoint.add(acc_1, adjoint.mul(x, t1));
    }
    i = t1;
    trips = trips + 1;
  }
  const t3 = onesLike(x);
  const t4 = adjoint.add(x, t3);
  const dt6 = adjoint.div(1, x.size);
  let dx = adjoint.unbroadcast(adjoint.unbroadcast(adjoint.mul(dt6, acc_1), t4, acc_1), x, t3);
  let dAcc_1 = adjoint.unbroadcast(adjoint.mul(dt6, t4), acc_1, t4);
  let trip = trips;
  const dxSum = adjoint.accumulator(dx);
  while (trip > 0) {
    trip = trip - 1;
    const acc_1Then = acc_1Tape[trip];
    const t1 = trip + 1;
    const t2 = adjoint.mul(x, t1);
    const dAcc_1Next = dAcc_1;
    dAcc_1 = adjoint.unbroadcast(dAcc_1Next, acc_1Then, t2);
    if (dxSum.fits(dAcc_1Next, t2, acc_1Then)) {
      const dAcc_1Nexts = dAcc_1Next.data;
      const dxSums = dxSum.buffer();
      const n = dxSums.length;
      for (let i2 = 0; i2 < n; i2++) {
        const dAcc_1Nexti = dAcc_1Nexts[i2];
        dxSums[i2] += dAcc_1Nexti * t1;
      }
    } else {
      dxSum.add(adjoint.mul(adjoint.unbroadcast(dAcc_1Next, t2, acc_1Then), t1));
    }
  }
  dx = dxSum.value();
  return adjoint.fitGradient(dx, x);
}
export const df = f_grad;
export const checks = [
  {
    f,
    grad: df,
    at: [
      [
        tensor([
          [0.5, -1],
          [2, 0.3],
          [-0.4, 1.1],
        ]),
      ],
    ],
  },
];
