// A physics-informed network: u(t; θ), one hidden tanh layer, trained so that it solves
// u'' + u = 0 on [0, 2] with u(0) = 1 and u'(0) = 0, whose solution is cos t. No values of
// the solution are used, only the equation: the loss calls du = grad(u) and
// ddu = grad(grad(u)) (derivatives with respect to t) at collocation points, and the
// training differentiates that loss with respect to the weights with grad(loss). The
// transformer compiles grad(grad(u)) as reverse over forward mode and differentiates it once
// more, in reverse, for the weights: ∂/∂θ of ∂²u/∂t², a third-order mixed derivative.
// Trained with Adam on a cosine-decayed learning rate; prints the loss and the largest error
// against cos t as it goes, then u beside cos t at a few points.
import { adam, add, cosineDecay, grad, mul, randomNormal, square, sub, sum, tanh, tensor, type Tensor } from "adjoint";

export interface Net {
  readonly w1: Tensor; // [HIDDEN]
  readonly b1: Tensor; // [HIDDEN]
  readonly w2: Tensor; // [HIDDEN]
  readonly b2: Tensor; // [1]
}

const HIDDEN = 16;
const POINTS = 16;
const T_END = 2;

export function initNet(seed: number): Net {
  return {
    w1: randomNormal([HIDDEN], { seed }),
    b1: randomNormal([HIDDEN], { seed: seed + 1 }),
    w2: mul(randomNormal([HIDDEN], { seed: seed + 2 }), 1 / Math.sqrt(HIDDEN)),
    b2: tensor([0]),
  };
}

/** u(t; θ) = Σ w2 · tanh(w1 · t + b1) + b2, a tensor of size 1. */
export function u(t: number, p: Net): Tensor {
  return add(sum(mul(p.w2, tanh(add(mul(p.w1, t), p.b1)))), p.b2);
}

// u'(t) and u''(t), numbers: the derivatives with respect to t (parameter 0), θ held fixed.
const du = grad(u);
const ddu = grad(grad(u));

/** The mean squared residual of u'' + u at the collocation points, plus the initial conditions. */
export function loss(p: Net): Tensor {
  let residual: Tensor | number = 0;
  for (let i = 0; i < POINTS; i++) {
    const t = (i * T_END) / (POINTS - 1);
    const r = add(ddu(t, p), u(t, p));
    residual = add(residual, square(r));
  }
  const start = sub(u(0, p), 1);
  return add(mul(residual, 1 / POINTS), add(square(start), square(du(0, p))));
}

// The gradient with respect to θ (parameter 0), a Net of the same shapes.
export const dLoss = grad(loss);

/** The largest |u(t) − cos t| on a grid of n + 1 points over [0, 2]. */
export function maxError(p: Net, n = 200): number {
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
