import { grad, jvp, hvp, sum, tanh, matmul } from "adjoint";
import * as adjoint from "adjoint/internal";
export function horner(x, coefficients) {
  let y = 0;
  for (const c of coefficients) y = y * x + c;
  return Math.sin(y);
}
function horner_jvp(x, coefficients, xDot) {
  let index = 0;
  let y = 0;
  let yDot = 0;
  while (index < coefficients.length) {
    const c = coefficients[index];
    const t2Dot = yDot * x + xDot * y;
    index = index + 1;
    y = y * x + c;
    yDot = t2Dot;
  }
  const pair = { value: Math.sin(y), tangent: yDot * Math.cos(y) };
  return pair;
}
function horner_grad_grad(x, coefficients) {
  let index = 0;
  let y = 0;
  let yDot = 0;
  let trips = 0;
  let yTape = adjoint.numberTape();
  let yDotTape = adjoint.numberTape();
  while (index < coefficients.length) {
    if (trips === yTape.length) {
      yTape = adjoint.growTape(yTape);
    }
    yTape[trips] = y;
    if (trips === yDotTape.length) {
      yDotTape = adjoint.growTape(yDotTape);
    }
    yDotTape[trips] = yDot;
    const c = coefficients[index];
    const t2Dot = yDot * x + y;
    index = index + 1;
    y = y * x + c;
    yDot = t2Dot;
    trips = trips + 1;
  }
  let dx = 0;
  let dy = -(yDot * Math.sin(y));
  let dYDot = Math.cos(y);
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const yThen = yTape[trip];
    const yDotThen = yDotTape[trip];
    dx += dYDot * yDotThen + dy * yThen;
    dy = dYDot + dy * x;
    dYDot = dYDot * x;
  }
  return dx;
}
function horner_grad(x, coefficients) {
  let index = 0;
  let y = 0;
  let trips = 0;
  let yTape = adjoint.numberTape();
  while (index < coefficients.length) {
    if (trips === yTape.length) {
      yTape = adjoint.growTape(yTape);
    }
    yTape[trips] = y;
    const c = coefficients[index];
    index = index + 1;
    y = y * x + c;
    trips = trips + 1;
  }
  let dx = 0;
  let dy = Math.cos(y);
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const yThen = yTape[trip];
    dx += dy * yThen;
    dy = dy * x;
  }
  return dx;
}
export const jHorner = horner_jvp;
export const ddHorner = horner_grad_grad;
export function energy(x, w) {
  return sum(tanh(matmul(x, w)));
}
function energy_hvp_w(x, w, wDot) {
  const t2 = adjoint.tanh(adjoint.matmul(x, w));
  const dw = adjoint.matmulGradB(
    adjoint.mul(
      adjoint.mul(adjoint.neg(adjoint.matmul(x, wDot)), adjoint.mul(2, t2)),
      adjoint.sub(1, adjoint.square(t2)),
    ),
    x,
    w,
  );
  return adjoint.fitGradient(dw, w);
}
export const hEnergy = energy_hvp_w;
