// A physics-informed network: u(t; θ), one hidden tanh layer, trained so that it solves
// u'' + u = 0 on [0, 2] with u(0) = 1 and u'(0) = 0, whose solution is cos t. No values of
// the solution are used, only the equation: the loss calls du = grad(u) and
// ddu = grad(grad(u)) (derivatives with respect to t) at collocation points, and the
// training differentiates that loss with respect to the weights with grad(loss). The
// transformer compiles grad(grad(u)) as reverse over forward mode and differentiates it once
// more, in reverse, for the weights: ∂/∂θ of ∂²u/∂t², a third-order mixed derivative.
// Trained with Adam on a cosine-decayed learning rate; prints the loss and the largest error
// against cos t as it goes, then u beside cos t at a few points.
import { adam, add, cosineDecay, mul, randomNormal, square, sub, sum, tanh, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
const HIDDEN = 16;
const POINTS = 16;
const T_END = 2;
export function initNet(seed) {
  return {
    w1: randomNormal([HIDDEN], { seed }),
    b1: randomNormal([HIDDEN], { seed: seed + 1 }),
    w2: mul(randomNormal([HIDDEN], { seed: seed + 2 }), 1 / Math.sqrt(HIDDEN)),
    b2: tensor([0]),
  };
}
/** u(t; θ) = Σ w2 · tanh(w1 · t + b1) + b2, a tensor of size 1. */
export function u(t, p) {
  return add(sum(mul(p.w2, tanh(add(mul(p.w1, t), p.b1)))), p.b2);
}
function u_grad(t, p) {
  const w2 = p.w2;
  const w1 = p.w1;
  const b1 = p.b1;
  const b2 = p.b2;
  const t1 = adjoint.mul(w1, t);
  let t3;
  if (adjoint.sameShapes(t1, b1)) {
    const t1s = t1.data;
    const b1s = b1.data;
    t3 = adjoint.fusedResult(t1, b1);
    const t3s = t3.data;
    const n2 = t3s.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const t1i = t1s[i2];
      const b1i = b1s[i2];
      const addi = t1i + b1i;
      t3s[i2] = Math.tanh(addi);
    }
  } else {
    t3 = adjoint.tanh(adjoint.add(t1, b1));
  }
  let total;
  if (adjoint.sameShapes(w2, t3)) {
    const w2s = w2.data;
    const t3s = t3.data;
    let total2 = 0;
    const n2 = w2s.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const w2i = w2s[i2];
      const t3i = t3s[i2];
      total2 += w2i * t3i;
    }
    total = adjoint.fusedTotal(total2, w2, t3);
  } else {
    total = adjoint.sum(adjoint.mul(w2, t3));
  }
  const dt = adjoint.unbroadcast(
    adjoint.mul(
      adjoint.unbroadcast(
        adjoint.mul(
          adjoint.unbroadcast(adjoint.mul(adjoint.unbroadcast(1, total, b2), w2), t3, w2),
          adjoint.sub(1, adjoint.square(t3)),
        ),
        t1,
        b1,
      ),
      w1,
    ),
    t,
    w1,
  );
  return dt;
}
function u_grad_grad(t, p) {
  const w2 = p.w2;
  const w1 = p.w1;
  const b1 = p.b1;
  const b2 = p.b2;
  const t1 = adjoint.mul(w1, t);
  const t2 = adjoint.add(t1, b1);
  const t2Dot = adjoint.broadcastLike(w1, t2);
  const t3 = adjoint.tanh(t2);
  let t3Dot;
  if (adjoint.sameShapes(t2Dot, t3)) {
    const t2Dots = t2Dot.data;
    const t3s = t3.data;
    t3Dot = adjoint.fusedResult(t2Dot, t3);
    const t3Dots = t3Dot.data;
    const n2 = t3Dots.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const t2Doti = t2Dots[i2];
      const t3i = t3s[i2];
      const squarei = t3i * t3i;
      const subi = 1 - squarei;
      t3Dots[i2] = t2Doti * subi;
    }
  } else {
    t3Dot = adjoint.mul(t2Dot, adjoint.sub(1, adjoint.square(t3)));
  }
  const t4 = adjoint.mul(w2, t3);
  const t11 = adjoint.mul(t3Dot, w2);
  const dt = adjoint.unbroadcast(
    adjoint.mul(
      adjoint.unbroadcast(
        adjoint.mul(
          adjoint.mul(
            adjoint.neg(
              adjoint.mul(
                adjoint.unbroadcast(
                  adjoint.mul(
                    adjoint.unbroadcast(
                      adjoint.unbroadcast(
                        1,
                        adjoint.sum(adjoint.broadcastLike(t11, t4)),
                        adjoint.add(adjoint.sum(t4), b2),
                      ),
                      t11,
                      t4,
                    ),
                    w2,
                  ),
                  t3Dot,
                  w2,
                ),
                t2Dot,
              ),
            ),
            adjoint.mul(2, t3),
          ),
          adjoint.sub(1, adjoint.square(t3)),
        ),
        t1,
        b1,
      ),
      w1,
    ),
    t,
    w1,
  );
  return dt;
}
function u_grad_grad_forward_p(t, p) {
  const w2 = p.w2;
  const w1 = p.w1;
  const b1 = p.b1;
  const b2 = p.b2;
  const t1 = adjoint.mul(w1, t);
  const t2 = adjoint.add(t1, b1);
  const t2Dot2 = adjoint.broadcastLike(w1, t2);
  const t2Dot = adjoint.broadcastLike(w1, t2);
  const t3 = adjoint.tanh(t2);
  let t18;
  if (adjoint.sameShapes(t3)) {
    const t3s = t3.data;
    t18 = adjoint.fusedResult(t3);
    const t18s = t18.data;
    const n2 = t18s.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const t3i = t3s[i2];
      const squarei = t3i * t3i;
      t18s[i2] = 1 - squarei;
    }
  } else {
    t18 = adjoint.sub(1, adjoint.square(t3));
  }
  const t3Dot2 = adjoint.mul(t2Dot2, t18);
  const t20 = adjoint.mul(2, t3);
  let t9Dot;
  if (adjoint.sameShapes(t3Dot2, t20)) {
    const t3Dot2s = t3Dot2.data;
    const t20s = t20.data;
    t9Dot = adjoint.fusedResult(t3Dot2, t20);
    const t9Dots = t9Dot.data;
    const n2 = t9Dots.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const t3Dot2i = t3Dot2s[i2];
      const t20i = t20s[i2];
      const muli = t3Dot2i * t20i;
      t9Dots[i2] = -muli;
    }
  } else {
    t9Dot = adjoint.neg(adjoint.mul(t3Dot2, t20));
  }
  const t3DotDot = adjoint.mul(t9Dot, t2Dot);
  const t4 = adjoint.mul(w2, t3);
  let t11;
  if (adjoint.sameShapes(t2Dot, t3, w2)) {
    const t2Dots = t2Dot.data;
    const t3s = t3.data;
    const w2s = w2.data;
    t11 = adjoint.fusedResult(t2Dot, t3, w2);
    const t11s = t11.data;
    const n2 = t11s.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const t2Doti = t2Dots[i2];
      const t3i = t3s[i2];
      const w2i = w2s[i2];
      const squarei = t3i * t3i;
      const subi = 1 - squarei;
      const muli = t2Doti * subi;
      t11s[i2] = muli * w2i;
    }
  } else {
    t11 = adjoint.mul(adjoint.mul(t2Dot, adjoint.sub(1, adjoint.square(t3))), w2);
  }
  const t26 = adjoint.mul(t3DotDot, w2);
  const t11Dot = adjoint.broadcastLike(t26, t11);
  const t4Dot = adjoint.broadcastLike(t11, t4);
  const t5DotDot = adjoint.sum(adjoint.broadcastLike(t11Dot, t4Dot));
  const t6Dot = adjoint.broadcastLike(adjoint.sum(t4Dot), adjoint.add(adjoint.sum(t4), b2));
  return [
    adjoint.toNumber(adjoint.sum(adjoint.broadcastLike(t5DotDot, t6Dot))),
    (seed2) => {
      const dt26 = adjoint.unbroadcast(
        adjoint.unbroadcast(adjoint.unbroadcast(seed2, t5DotDot, t6Dot), t11Dot, t4Dot),
        t26,
        t11,
      );
      const dT3DotDot = adjoint.unbroadcast(adjoint.mul(dt26, w2), t3DotDot, w2);
      let dT8Dot;
      if (adjoint.sameShapes(dT3DotDot, t2Dot)) {
        const dT3DotDots = dT3DotDot.data;
        const t2Dots = t2Dot.data;
        dT8Dot = adjoint.fusedResult(dT3DotDot, t2Dot);
        const dT8Dots = dT8Dot.data;
        const n2 = dT8Dots.length;
        for (let i2 = 0; i2 < n2; i2++) {
          const dT3DotDoti = dT3DotDots[i2];
          const t2Doti = t2Dots[i2];
          const muli = dT3DotDoti * t2Doti;
          dT8Dots[i2] = -muli;
        }
      } else {
        dT8Dot = adjoint.neg(adjoint.mul(dT3DotDot, t2Dot));
      }
      const dT3Dot2 = adjoint.mul(dT8Dot, t20);
      let dt2;
      if (adjoint.sameShapes(dT8Dot, t3Dot2, dT3Dot2, t2Dot2, t3)) {
        const dT8Dots = dT8Dot.data;
        const t3Dot2s = t3Dot2.data;
        const dT3Dot2s = dT3Dot2.data;
        const t2Dot2s = t2Dot2.data;
        const t3s = t3.data;
        dt2 = adjoint.fusedResult(dT8Dot, t3Dot2, dT3Dot2, t2Dot2, t3);
        const dt2s = dt2.data;
        const n2 = dt2s.length;
        for (let i2 = 0; i2 < n2; i2++) {
          const dT8Doti = dT8Dots[i2];
          const t3Dot2i = t3Dot2s[i2];
          const dT3Dot2i = dT3Dot2s[i2];
          const t2Dot2i = t2Dot2s[i2];
          const t3i = t3s[i2];
          const muli = dT8Doti * t3Dot2i;
          const muli2 = 2 * muli;
          const muli3 = dT3Dot2i * t2Dot2i;
          const negi = -muli3;
          const muli4 = 2 * t3i;
          const muli5 = negi * muli4;
          const addi = muli2 + muli5;
          const squarei = t3i * t3i;
          const subi = 1 - squarei;
          dt2s[i2] = addi * subi;
        }
      } else {
        dt2 = adjoint.mul(
          adjoint.add(
            adjoint.mul(2, adjoint.mul(dT8Dot, t3Dot2)),
            adjoint.mul(adjoint.neg(adjoint.mul(dT3Dot2, t2Dot2)), adjoint.mul(2, t3)),
          ),
          adjoint.sub(1, adjoint.square(t3)),
        );
      }
      return adjoint.structureGradient(p, {
        w2: adjoint.fitGradient(adjoint.unbroadcast(adjoint.mul(dt26, t3DotDot), w2, t3DotDot), w2),
        w1: adjoint.fitGradient(
          adjoint.add(
            adjoint.add(
              adjoint.unbroadcast(adjoint.mul(dT3DotDot, t9Dot), w1, t2),
              adjoint.unbroadcast(adjoint.mul(dT3Dot2, t18), w1, t2),
            ),
            adjoint.mul(adjoint.unbroadcast(dt2, t1, b1), t),
          ),
          w1,
        ),
        b1: adjoint.fitGradient(adjoint.unbroadcast(dt2, b1, t1), b1),
      });
    },
  ];
}
function u_forward_p(t, p) {
  const w2 = p.w2;
  const w1 = p.w1;
  const b1 = p.b1;
  const b2 = p.b2;
  const t1 = adjoint.mul(w1, t);
  let t3;
  if (adjoint.sameShapes(t1, b1)) {
    const t1s = t1.data;
    const b1s = b1.data;
    t3 = adjoint.fusedResult(t1, b1);
    const t3s = t3.data;
    const n2 = t3s.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const t1i = t1s[i2];
      const b1i = b1s[i2];
      const addi = t1i + b1i;
      t3s[i2] = Math.tanh(addi);
    }
  } else {
    t3 = adjoint.tanh(adjoint.add(t1, b1));
  }
  let t5;
  if (adjoint.sameShapes(w2, t3)) {
    const w2s = w2.data;
    const t3s = t3.data;
    let total = 0;
    const n2 = w2s.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const w2i = w2s[i2];
      const t3i = t3s[i2];
      total += w2i * t3i;
    }
    t5 = adjoint.fusedTotal(total, w2, t3);
  } else {
    t5 = adjoint.sum(adjoint.mul(w2, t3));
  }
  return [
    adjoint.add(t5, b2),
    (seed2) => {
      const dt5 = adjoint.unbroadcast(seed2, t5, b2);
      let dt2;
      if (adjoint.sameShapes(dt5, w2, t3)) {
        const dt5s = dt5.data;
        const w2s = w2.data;
        const t3s = t3.data;
        dt2 = adjoint.fusedResult(dt5, w2, t3);
        const dt2s = dt2.data;
        const n2 = dt2s.length;
        for (let i2 = 0; i2 < n2; i2++) {
          const dt5i = dt5s[i2];
          const w2i = w2s[i2];
          const t3i = t3s[i2];
          const muli = dt5i * w2i;
          const squarei = t3i * t3i;
          const subi = 1 - squarei;
          dt2s[i2] = muli * subi;
        }
      } else {
        dt2 = adjoint.mul(
          adjoint.unbroadcast(adjoint.mul(dt5, w2), t3, w2),
          adjoint.sub(1, adjoint.square(t3)),
        );
      }
      return adjoint.structureGradient(p, {
        w2: adjoint.fitGradient(adjoint.unbroadcast(adjoint.mul(dt5, t3), w2, t3), w2),
        w1: adjoint.fitGradient(adjoint.mul(adjoint.unbroadcast(dt2, t1, b1), t), w1),
        b1: adjoint.fitGradient(adjoint.unbroadcast(dt2, b1, t1), b1),
        b2: adjoint.fitGradient(adjoint.unbroadcast(seed2, b2, t5), b2),
      });
    },
  ];
}
function u_grad_forward_p(t, p) {
  const w2 = p.w2;
  const w1 = p.w1;
  const b1 = p.b1;
  const b2 = p.b2;
  const t1 = adjoint.mul(w1, t);
  const t2 = adjoint.add(t1, b1);
  const t2Dot = adjoint.broadcastLike(w1, t2);
  const t3 = adjoint.tanh(t2);
  let t9;
  if (adjoint.sameShapes(t3)) {
    const t3s = t3.data;
    t9 = adjoint.fusedResult(t3);
    const t9s = t9.data;
    const n2 = t9s.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const t3i = t3s[i2];
      const squarei = t3i * t3i;
      t9s[i2] = 1 - squarei;
    }
  } else {
    t9 = adjoint.sub(1, adjoint.square(t3));
  }
  const t3Dot = adjoint.mul(t2Dot, t9);
  const t4 = adjoint.mul(w2, t3);
  const t11 = adjoint.mul(t3Dot, w2);
  const t5Dot = adjoint.sum(adjoint.broadcastLike(t11, t4));
  const t6 = adjoint.add(adjoint.sum(t4), b2);
  return [
    adjoint.toNumber(adjoint.sum(adjoint.broadcastLike(t5Dot, t6))),
    (seed2) => {
      const dt11 = adjoint.unbroadcast(adjoint.unbroadcast(seed2, t5Dot, t6), t11, t4);
      const dT3Dot = adjoint.unbroadcast(adjoint.mul(dt11, w2), t3Dot, w2);
      let dt2;
      if (adjoint.sameShapes(dT3Dot, t2Dot, t3)) {
        const dT3Dots = dT3Dot.data;
        const t2Dots = t2Dot.data;
        const t3s = t3.data;
        dt2 = adjoint.fusedResult(dT3Dot, t2Dot, t3);
        const dt2s = dt2.data;
        const n2 = dt2s.length;
        for (let i2 = 0; i2 < n2; i2++) {
          const dT3Doti = dT3Dots[i2];
          const t2Doti = t2Dots[i2];
          const t3i = t3s[i2];
          const muli = dT3Doti * t2Doti;
          const negi = -muli;
          const muli2 = 2 * t3i;
          const muli3 = negi * muli2;
          const squarei = t3i * t3i;
          const subi = 1 - squarei;
          dt2s[i2] = muli3 * subi;
        }
      } else {
        dt2 = adjoint.mul(
          adjoint.mul(adjoint.neg(adjoint.mul(dT3Dot, t2Dot)), adjoint.mul(2, t3)),
          adjoint.sub(1, adjoint.square(t3)),
        );
      }
      return adjoint.structureGradient(p, {
        w2: adjoint.fitGradient(adjoint.unbroadcast(adjoint.mul(dt11, t3Dot), w2, t3Dot), w2),
        w1: adjoint.fitGradient(
          adjoint.add(
            adjoint.unbroadcast(adjoint.mul(dT3Dot, t9), w1, t2),
            adjoint.mul(adjoint.unbroadcast(dt2, t1, b1), t),
          ),
          w1,
        ),
        b1: adjoint.fitGradient(adjoint.unbroadcast(dt2, b1, t1), b1),
      });
    },
  ];
}
// u'(t) and u''(t), numbers: the derivatives with respect to t (parameter 0), θ held fixed.
const du = u_grad;
const ddu = u_grad_grad;
/** The mean squared residual of u'' + u at the collocation points, plus the initial conditions. */
export function loss(p) {
  let residual = 0;
  for (let i = 0; i < POINTS; i++) {
    const t = (i * T_END) / (POINTS - 1);
    const r = add(ddu(t, p), u(t, p));
    residual = add(residual, square(r));
  }
  const start = sub(u(0, p), 1);
  return add(mul(residual, 1 / POINTS), add(square(start), square(du(0, p))));
}
function loss_grad(p) {
  const w1 = p.w1;
  const b1 = p.b1;
  const w2 = p.w2;
  const b2 = p.b2;
  let residual = 0;
  let i = 0;
  const dduValueTape = [];
  const dduBackTape = [];
  const uValueTape = [];
  const uBackTape = [];
  let trips = 0;
  const residualTape = [];
  while (i < POINTS) {
    residualTape[trips] = residual;
    const t = (i * T_END) / (POINTS - 1);
    const [dduValue, dduBack] = u_grad_grad_forward_p(t, p);
    dduValueTape[trips] = dduValue;
    dduBackTape[trips] = dduBack;
    const [uValue, uBack] = u_forward_p(t, p);
    uValueTape[trips] = uValue;
    uBackTape[trips] = uBack;
    if (adjoint.sameShapes(residual, dduValue, uValue)) {
      const residuals = residual.data;
      const dduValues = dduValue.data;
      const uValues = uValue.data;
      residual = adjoint.fusedResult(residual, dduValue, uValue);
      const residuals2 = residual.data;
      const n2 = residuals2.length;
      for (let i2 = 0; i2 < n2; i2++) {
        const residuali = residuals[i2];
        const dduValuei = dduValues[i2];
        const uValuei = uValues[i2];
        const addi = dduValuei + uValuei;
        const squarei = addi * addi;
        residuals2[i2] = residuali + squarei;
      }
    } else {
      residual = adjoint.add(residual, adjoint.square(adjoint.add(dduValue, uValue)));
    }
    i = i + 1;
    trips = trips + 1;
  }
  const [uValue2, uBack2] = u_forward_p(0, p);
  const start = adjoint.sub(uValue2, 1);
  const t7 = 1 / POINTS;
  const t8 = adjoint.mul(residual, t7);
  const t9 = adjoint.square(start);
  const [duValue, duBack] = u_grad_forward_p(0, p);
  const t11 = adjoint.square(duValue);
  const t12 = adjoint.add(t9, t11);
  const dt12 = adjoint.unbroadcast(1, t12, t8);
  const dp = duBack(adjoint.mul(adjoint.unbroadcast(dt12, t11, t9), adjoint.mul(2, duValue)));
  const dp2 = uBack2(adjoint.mul(dt12, adjoint.mul(2, start)));
  let dResidual = adjoint.mul(adjoint.unbroadcast(1, t8, t12), t7);
  let dw1 = adjoint.add(dp.w1, dp2.w1);
  let db1 = adjoint.add(dp.b1, dp2.b1);
  let dw2 = adjoint.add(dp.w2, dp2.w2);
  let db2 = adjoint.add(dp.b2, dp2.b2);
  let trip = trips;
  const dw1Sum = adjoint.accumulator(dw1);
  const db1Sum = adjoint.accumulator(db1);
  const dw2Sum = adjoint.accumulator(dw2);
  const db2Sum = adjoint.accumulator(db2);
  while (trip > 0) {
    trip = trip - 1;
    const residualThen = residualTape[trip];
    const dduValue2 = dduValueTape[trip];
    const dduBack2 = dduBackTape[trip];
    const uValue3 = uValueTape[trip];
    const uBack3 = uBackTape[trip];
    const r = adjoint.add(dduValue2, uValue3);
    const t5 = adjoint.square(r);
    const dResidualNext = dResidual;
    let dr;
    if (adjoint.sameShapes(dResidualNext, r, t5, residualThen)) {
      const dResidualNexts = dResidualNext.data;
      const rs = r.data;
      dr = adjoint.fusedResult(dResidualNext, r);
      const drs = dr.data;
      const n2 = drs.length;
      for (let i2 = 0; i2 < n2; i2++) {
        const dResidualNexti = dResidualNexts[i2];
        const ri = rs[i2];
        const muli = 2 * ri;
        drs[i2] = dResidualNexti * muli;
      }
    } else {
      dr = adjoint.mul(adjoint.unbroadcast(dResidualNext, t5, residualThen), adjoint.mul(2, r));
    }
    const dp4 = uBack3(dr);
    const dp5 = dduBack2(adjoint.unbroadcast(dr, dduValue2, uValue3));
    dResidual = adjoint.unbroadcast(dResidualNext, residualThen, t5);
    dw1Sum.add(adjoint.add(dp4.w1, dp5.w1));
    db1Sum.add(adjoint.add(dp4.b1, dp5.b1));
    dw2Sum.add(adjoint.add(dp4.w2, dp5.w2));
    db2Sum.add(adjoint.add(dp4.b2, dp5.b2));
  }
  dw1 = dw1Sum.value();
  db1 = db1Sum.value();
  dw2 = dw2Sum.value();
  db2 = db2Sum.value();
  return adjoint.structureGradient(p, {
    w1: adjoint.fitGradient(dw1, w1),
    b1: adjoint.fitGradient(db1, b1),
    w2: adjoint.fitGradient(dw2, w2),
    b2: adjoint.fitGradient(db2, b2),
  });
}
// The gradient with respect to θ (parameter 0), a Net of the same shapes.
export const dLoss = loss_grad;
/** The largest |u(t) − cos t| on a grid of n + 1 points over [0, 2]. */
export function maxError(p, n = 200) {
  let worst = 0;
  for (let k = 0; k <= n; k++) {
    const t = (k * T_END) / n;
    worst = Math.max(worst, Math.abs(u(t, p).item() - Math.cos(t)));
  }
  return worst;
}
if (require.main === module) {
  const STEPS = 1000;
  const started = Date.now();
  let params = initNet(7);
  const optimizer = adam({ lr: cosineDecay(0.02, STEPS, 0.05) });
  let state = optimizer.init(params);
  console.log(" step      loss     max |u − cos|");
  for (let step = 0; step <= STEPS; step++) {
    if (step % 100 === 0)
      console.log(
        `${String(step).padStart(5)}  ${loss(params).item().toExponential(3)}  ${maxError(params).toExponential(3)}`,
      );
    if (step === STEPS) break;
    ({ params, state } = optimizer.step(params, dLoss(params), state));
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\n${STEPS} Adam steps in ${seconds.toFixed(1)} s: max |u(t) − cos t| on [0, 2] = ${maxError(params).toExponential(2)}`,
  );
  console.log("   t      u(t)     cos t");
  for (const t of [0, 0.5, 1, 1.5, 2])
    console.log(
      `${t.toFixed(1).padStart(4)}  ${u(t, params).item().toFixed(5).padStart(8)}  ${Math.cos(t).toFixed(5).padStart(8)}`,
    );
}
