// Reductions: sum, mean and logSumExp, whole and along an axis, with and without keepDims.
import { add, logSumExp, mean, mul, sub, sum, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
export function f(x) {
  const rows = sum(x, 1);
  const centered = sub(x, mean(x, 0, true));
  const logProbabilities = sub(x, logSumExp(x, 1, true));
  return add(add(sum(mul(rows, rows)), mean(mul(centered, centered))), sum(logProbabilities, [0, 1]));
}
function f_grad(x) {
  const rows = adjoint.sum(x, 1);
  const t1 = adjoint.mean(x, 0, true);
  const centered = adjoint.sub(x, t1);
  const t2 = adjoint.logSumExp(x, 1, true);
  const logProbabilities = adjoint.sub(x, t2);
  const t5 = adjoint.mul(centered, centered);
  let total;
  if (adjoint.sameShapes(rows)) {
    const rowss = rows.data;
    let total2 = 0;
    const n = rowss.length;
    for (let i = 0; i < n; i++) {
      const rowsi = rowss[i];
      total2 += rowsi * rowsi;
    }
    total = adjoint.fusedTotal(total2, rows);
  } else {
    total = adjoint.sum(adjoint.mul(rows, rows));
  }
  const t7 = adjoint.add(total, adjoint.mean(t5));
  const t8 = adjoint.sum(logProbabilities, [0, 1]);
  const dt7 = adjoint.unbroadcast(1, t7, t8);
  const dt5 = adjoint.div(dt7, adjoint.reductionSize(t5));
  const dLogProbabilities = adjoint.sumGrad(adjoint.unbroadcast(1, t8, t7), logProbabilities, t8, [0, 1]);
  let dCentered;
  if (adjoint.sameShapes(centered)) {
    const centereds = centered.data;
    dCentered = adjoint.fusedResult(centered);
    const dCentereds = dCentered.data;
    const n = dCentereds.length;
    for (let i = 0; i < n; i++) {
      const centeredi = centereds[i];
      const muli = dt5 * centeredi;
      dCentereds[i] = muli + muli;
    }
  } else {
    dCentered = adjoint.add(adjoint.mul(dt5, centered), adjoint.mul(dt5, centered));
  }
  const dx = adjoint.add(
    adjoint.add(
      adjoint.add(
        adjoint.add(
          adjoint.unbroadcast(dLogProbabilities, x, t2),
          adjoint.mul(
            adjoint.sumGrad(adjoint.unbroadcast(adjoint.neg(dLogProbabilities), t2, x), x, t2, 1, true),
            adjoint.exp(adjoint.sub(x, adjoint.sumGrad(t2, x, t2, 1, true))),
          ),
        ),
        adjoint.unbroadcast(dCentered, x, t1),
      ),
      adjoint.div(
        adjoint.sumGrad(adjoint.unbroadcast(adjoint.neg(dCentered), t1, x), x, t1, 0, true),
        adjoint.reductionSize(x, 0),
      ),
    ),
    adjoint.sumGrad(adjoint.add(adjoint.mul(dt7, rows), adjoint.mul(dt7, rows)), x, rows, 1),
  );
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
          [0.5, -1, 2],
          [2, 0.3, -0.6],
        ]),
      ],
    ],
  },
];
