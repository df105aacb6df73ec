import * as adjoint from "adjoint/internal";
// for...of over a number[] parameter: a hidden counter, the element read as xs[index].
export function f(xs, w) {
  let total = 0;
  for (const v of xs) total = total * w + v * v;
  return total;
}
function f_grad_xs_w(xs, w) {
  let index = 0;
  let total = 0;
  let trips = 0;
  let totalTape = adjoint.numberTape();
  while (index < xs.length) {
    if (trips === totalTape.length) {
      totalTape = adjoint.growTape(totalTape);
    }
    totalTape[trips] = total;
    const v = xs[index];
    index = index + 1;
    total = total * w + v * v;
    trips = trips + 1;
  }
  const dXs = adjoint.zerosLikeArray(xs);
  let dw = 0;
  let dTotal = 1;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const totalThen = totalTape[trip];
    const v = xs[trip];
    dXs[trip] += dTotal * v + dTotal * v;
    dw += dTotal * totalThen;
    dTotal = dTotal * w;
  }
  return [dXs, dw];
}
export const df = f_grad_xs_w;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [[0.2, -1.5, 0.4], 0.8],
      [[], 2],
    ],
  },
];
