import * as adjoint from "adjoint/internal";
// A projectile with quadratic air drag, stepped in a loop (semi-implicit Euler). Its
// gradient with respect to the launch angle, through every time step, drives gradient
// descent on the angle until the projectile lands on a target.
const G = 9.81;
const DRAG = 0.02; // per metre
const DT = 0.002; // seconds
/**
 * Horizontal distance travelled before falling back to the launch height. The landing
 * point is interpolated between the last two steps: the number of steps is a whole number
 * with no derivative, the interpolation makes the range smooth in the angle.
 */
export function range(angle, speed) {
  let x = 0;
  let y = 0;
  let xBefore = 0;
  let yBefore = 0;
  let vx = speed * Math.cos(angle);
  let vy = speed * Math.sin(angle);
  do {
    xBefore = x;
    yBefore = y;
    const v = Math.hypot(vx, vy);
    vx = vx - DT * DRAG * v * vx;
    vy = vy - DT * (G + DRAG * v * vy);
    x = x + DT * vx;
    y = y + DT * vy;
  } while (y > 0);
  return xBefore + ((x - xBefore) * yBefore) / (yBefore - y);
}
function range_forward(angle, speed) {
  const vx = speed * Math.cos(angle);
  const vy = speed * Math.sin(angle);
  let xBefore = 0;
  let yBefore = 0;
  let vx_1 = vx;
  let vy_1 = vy;
  let x = 0;
  let y = 0;
  let trips = 0;
  let vx_1Tape = adjoint.numberTape();
  let vy_1Tape = adjoint.numberTape();
  do {
    if (trips === vx_1Tape.length) {
      vx_1Tape = adjoint.growTape(vx_1Tape);
    }
    vx_1Tape[trips] = vx_1;
    if (trips === vy_1Tape.length) {
      vy_1Tape = adjoint.growTape(vy_1Tape);
    }
    vy_1Tape[trips] = vy_1;
    const v = Math.hypot(vx_1, vy_1);
    const vx_2 = vx_1 - DT * DRAG * v * vx_1;
    const vy_2 = vy_1 - DT * (G + DRAG * v * vy_1);
    xBefore = x;
    yBefore = y;
    vx_1 = vx_2;
    vy_1 = vy_2;
    x = x + DT * vx_2;
    y = y + DT * vy_2;
    trips = trips + 1;
  } while (y > 0);
  const t12 = x - xBefore;
  const t14 = yBefore - y;
  const t15 = (t12 * yBefore) / t14;
  return [
    xBefore + t15,
    (seed) => {
      const dt14 = -((seed * t15) / t14);
      const dt13 = seed / t14;
      const dt12 = dt13 * yBefore;
      let dVx_1 = 0;
      let dVy_1 = 0;
      let dx = dt12;
      let dy = -dt14;
      let dXBefore = seed - dt12;
      let dYBefore = dt14 + dt13 * t12;
      let trip = trips;
      while (trip > 0) {
        trip = trip - 1;
        const vx_1Then = vx_1Tape[trip];
        const vy_1Then = vy_1Tape[trip];
        const v = Math.hypot(vx_1Then, vy_1Then);
        const t3 = DT * DRAG;
        const dxNext = dx;
        dx = 0;
        const dyNext = dy;
        dy = 0;
        const dVy_2 = dVy_1 + dyNext * DT;
        const dt8 = -(dVy_2 * DT);
        const dVx_2 = dVx_1 + dxNext * DT;
        const dv = dt8 * vy_1Then * DRAG + -(dVx_2 * vx_1Then) * t3;
        dx += dXBefore + dxNext;
        dy += dYBefore + dyNext;
        dXBefore = 0;
        dYBefore = 0;
        dVx_1 = dVx_2 - dVx_2 * (t3 * v) + (dv * vx_1Then) / v;
        dVy_1 = dVy_2 + dt8 * (DRAG * v) + (dv * vy_1Then) / v;
      }
      const dAngle = dVy_1 * speed * Math.cos(angle) - dVx_1 * speed * Math.sin(angle);
      return dAngle;
    },
  ];
}
/** Squared miss distance. */
export function miss(angle, speed, target) {
  const d = range(angle, speed) - target;
  return d * d;
}
function miss_valueAndGrad(angle, speed, target) {
  const [rangeValue, rangeBack] = range_forward(angle, speed);
  const d = rangeValue - target;
  const dAngle = rangeBack(d + d);
  return { value: d * d, grad: dAngle };
}
export const missValueAndGrad = miss_valueAndGrad;
if (require.main === module) {
  const [speed, target] = [30, 40];
  let angle = 0.2;
  for (let step = 0; step <= 30; step++) {
    const { value, grad } = missValueAndGrad(angle, speed, target);
    if (step % 5 === 0)
      console.log(
        `step ${String(step).padStart(2)}  angle ${((angle * 180) / Math.PI).toFixed(3)}°  range ${range(angle, speed).toFixed(3)} m  miss² ${value.toExponential(2)}`,
      );
    angle -= 1e-4 * grad;
  }
  console.log(
    `launch at ${((angle * 180) / Math.PI).toFixed(2)}° to land ${range(angle, speed).toFixed(3)} m away (target ${target} m)`,
  );
}
