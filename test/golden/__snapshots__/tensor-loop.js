// A tensor carried through a loop: a recurrent layer applied n times, with weights shared.
import { add, grad, matmul, sum, tanh, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(w, h0, n) {
  let h = h0;
  for (let i = 0; i < n; i++) h = tanh(add(matmul(h, w), h0));
  return sum(h);
}
function f_grad_w_h0(w, h0, n) {
  let h = h0;
  let i = 0;
  let trips = 0;
  const hTape = [];
  while (i < n) {
    hTape[trips] = h;
    h = adjoint.tanh(adjoint.add(adjoint.matmul(h, w), h0));
    i = i + 1;
    trips = trips + 1;
  }
  let dw = 0;
  let dh0 = 0;
  let dh = 1;
  let trip = trips;
  const dh0Sum = adjoint.accumulator(dh0);
  const dwSum = adjoint.accumulator(dw);
  while (trip > 0) {
    trip = trip - 1;
    const hThen = hTape[trip];
    const t1 = adjoint.matmul(hThen, w);
    let h_1;
    if (adjoint.sameShapes(t1, h0)) {
      const t1s = t1.data;
      const h0s = h0.data;
      h_1 = adjoint.fusedResult(t1, h0);
      const h_1s = h_1.data;
      const n2 = h_1s.length;
      for (let i2 = 0; i2 < n2; i2++) {
        const t1i = t1s[i2];
        const h0i = h0s[i2];
        const addi = t1i + h0i;
        h_1s[i2] = Math.tanh(addi);
      }
    } else {
      h_1 = adjoint.tanh(adjoint.add(t1, h0));
    }
    const dhNext = dh;
    let dt2;
    if (adjoint.sameShapes(dhNext, h_1)) {
      const dhNexts = dhNext.data;
      const h_1s = h_1.data;
      dt2 = adjoint.fusedResult(dhNext, h_1);
      const dt2s = dt2.data;
      const n2 = dt2s.length;
      for (let i2 = 0; i2 < n2; i2++) {
        const dhNexti = dhNexts[i2];
        const h_1i = h_1s[i2];
        const squarei = h_1i * h_1i;
        const subi = 1 - squarei;
        dt2s[i2] = dhNexti * subi;
      }
    } else {
      dt2 = adjoint.mul(dhNext, adjoint.sub(1, adjoint.square(h_1)));
    }
    const dt1 = adjoint.unbroadcast(dt2, t1, h0);
    dh0Sum.add(adjoint.unbroadcast(dt2, h0, t1));
    dh = adjoint.matmulGradA(dt1, hThen, w);
    dwSum.add(adjoint.matmulGradB(dt1, hThen, w));
  }
  dh0 = dh0Sum.value();
  dw = dwSum.value();
  dh0 = adjoint.add(dh0, dh);
  return [adjoint.fitGradient(dw, w), adjoint.fitGradient(dh0, h0)];
}
export const df = f_grad_w_h0;
const w = tensor([
  [0.5, -0.3],
  [0.8, 0.2],
]);
export const checks = [{ f, grad: df, wrt: [0, 1], at: [[w, tensor([0.4, -0.9]), 3]] }];
