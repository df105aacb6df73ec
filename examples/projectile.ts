// A projectile with quadratic air drag, stepped in a loop (semi-implicit Euler). Its
// gradient with respect to the launch angle, through every time step, drives gradient
// descent on the angle until the projectile lands on a target.
import { valueAndGrad } from "adjoint";

const G = 9.81;
const DRAG = 0.02; // per metre
const DT = 0.002; // seconds

/**
 * Horizontal distance travelled before falling back to the launch height. The landing
 * point is interpolated between the last two steps: the number of steps is a whole number
 * with no derivative, the interpolation makes the range smooth in the angle.
 */
export function range(angle: number, speed: number): number {
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

/** Squared miss distance. */
export function miss(angle: number, speed: number, target: number): number {
  const d = range(angle, speed) - target;
  return d * d;
}

export const missValueAndGrad = valueAndGrad(miss);

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
