// Heat diffusing along a rod, stepped with explicit Euler in a Float64Array that the function
// overwrites in place. The gradient with respect to the diffusivity recovers it from the
// final temperature profile by gradient descent.
import { grad } from "adjoint";

const CELLS = 16;
const STEPS = 100;
const DT = 0.1;

/** The squared distance between the profile after STEPS steps and the measured one. */
export function misfit(kappa: number, initial: Float64Array, measured: Float64Array): number {
  const u = new Float64Array(CELLS);
  for (let i = 0; i < CELLS; i++) u[i] = initial[i]!;
  for (let step = 0; step < STEPS; step++) {
    // The ends are held at their temperature; `left` keeps the old value of the cell just updated.
    let left = u[0]!;
    for (let i = 1; i < CELLS - 1; i++) {
      const here = u[i]!;
      u[i] = here + kappa * DT * (left - 2 * here + u[i + 1]!);
      left = here;
    }
  }
  let total = 0;
  for (let i = 0; i < CELLS; i++) {
    const d = u[i]! - measured[i]!;
    total += d * d;
  }
  return total;
}

export const dMisfit = grad(misfit);

/** The profile after STEPS steps, the same loop without the gradient. */
function simulate(kappa: number, initial: Float64Array): Float64Array {
  const u = Float64Array.from(initial);
  for (let step = 0; step < STEPS; step++) {
    let left = u[0]!;
    for (let i = 1; i < CELLS - 1; i++) {
      const here = u[i]!;
      u[i] = here + kappa * DT * (left - 2 * here + u[i + 1]!);
      left = here;
    }
  }
  return u;
}

if (require.main === module) {
  const initial = Float64Array.from({ length: CELLS }, (_, i) => Math.exp(-((i - 5) ** 2) / 4));
  const trueKappa = 0.35;
  const measured = simulate(trueKappa, initial);
  let kappa = 0.1;
  for (let iteration = 0; iteration <= 25; iteration++) {
    const g = dMisfit(kappa, initial, measured);
    if (iteration % 5 === 0) {
      console.log(
        `iteration ${String(iteration).padStart(2)}  kappa = ${kappa.toFixed(6)}  misfit = ${misfit(kappa, initial, measured).toExponential(3)}  d/dkappa = ${g.toExponential(3)}`,
      );
    }
    kappa -= 0.5 * g;
  }
  console.log(`recovered kappa = ${kappa.toFixed(6)} (true ${trueKappa})`);
}
