import * as adjoint from "adjoint/internal";
// Heat diffusing along a rod, stepped with explicit Euler in a Float64Array that the function
// overwrites in place. The gradient with respect to the diffusivity recovers it from the
// final temperature profile by gradient descent.
const CELLS = 16;
const STEPS = 100;
const DT = 0.1;
/** The squared distance between the profile after STEPS steps and the measured one. */
export function misfit(kappa, initial, measured) {
  const u = new Float64Array(CELLS);
  for (let i = 0; i < CELLS; i++) u[i] = initial[i];
  for (let step = 0; step < STEPS; step++) {
    // The ends are held at their temperature; `left` keeps the old value of the cell just updated.
    let left = u[0];
    for (let i = 1; i < CELLS - 1; i++) {
      const here = u[i];
      u[i] = here + kappa * DT * (left - 2 * here + u[i + 1]);
      left = here;
    }
  }
  let total = 0;
  for (let i = 0; i < CELLS; i++) {
    const d = u[i] - measured[i];
    total += d * d;
  }
  return total;
}
function misfit_grad(kappa, initial, measured) {
  let readLog = adjoint.numberTape();
  const u = new Float64Array(CELLS);
  let i = 0;
  let trips = 0;
  while (i < CELLS) {
    u[i] = initial[i];
    i = i + 1;
    trips = trips + 1;
  }
  let step = 0;
  let reads = 0;
  let trips3 = 0;
  let readsTape = adjoint.numberTape();
  while (step < STEPS) {
    if (trips3 === readsTape.length) {
      readsTape = adjoint.growTape(readsTape);
    }
    readsTape[trips3] = reads;
    const left = u[0];
    if (reads === readLog.length) {
      readLog = adjoint.growTape(readLog);
    }
    readLog[reads] = left;
    let left_1 = left;
    let i_2 = 1;
    let reads_1 = reads + 1;
    while (i_2 < CELLS - 1) {
      const here = u[i_2];
      if (reads_1 === readLog.length) {
        readLog = adjoint.growTape(readLog);
      }
      readLog[reads_1] = here;
      const t3 = reads_1 + 1;
      const t7 = i_2 + 1;
      const t8 = u[t7];
      if (t3 === readLog.length) {
        readLog = adjoint.growTape(readLog);
      }
      readLog[t3] = t8;
      u[i_2] = here + kappa * DT * (left_1 - 2 * here + t8);
      left_1 = here;
      i_2 = t7;
      reads_1 = t3 + 1;
    }
    step = step + 1;
    reads = reads_1;
    trips3 = trips3 + 1;
  }
  let i_3 = 0;
  let reads_2 = reads;
  let trips4 = 0;
  while (i_3 < CELLS) {
    if (reads_2 === readLog.length) {
      readLog = adjoint.growTape(readLog);
    }
    readLog[reads_2] = u[i_3];
    i_3 = i_3 + 1;
    reads_2 = reads_2 + 1;
    trips4 = trips4 + 1;
  }
  const du = adjoint.zerosLikeArray(u);
  let trip = trips4;
  while (trip > 0) {
    trip = trip - 1;
    const d = readLog[reads + trip] - measured[trip];
    du[trip] += d + d;
  }
  let dKappa = 0;
  let trip2 = trips3;
  while (trip2 > 0) {
    trip2 = trip2 - 1;
    const readsThen = readsTape[trip2];
    const left = readLog[readsThen];
    const t2 = readsThen + 1;
    let left_1 = left;
    let i_2 = 1;
    let reads_1 = t2;
    let trips5 = 0;
    let left_1Tape2 = adjoint.numberTape();
    while (i_2 < CELLS - 1) {
      if (trips5 === left_1Tape2.length) {
        left_1Tape2 = adjoint.growTape(left_1Tape2);
      }
      left_1Tape2[trips5] = left_1;
      left_1 = readLog[reads_1];
      i_2 = i_2 + 1;
      reads_1 = reads_1 + 1 + 1;
      trips5 = trips5 + 1;
    }
    let dLeft_1 = 0;
    let trip3 = trips5;
    while (trip3 > 0) {
      trip3 = trip3 - 1;
      const left_1Then = left_1Tape2[trip3];
      const here = readLog[t2 + 2 * trip3];
      const dt12 = du[1 + trip3];
      du[1 + trip3] = 0;
      const dt10 = dt12 * (kappa * DT);
      du[1 + trip3 + 1] += dt10;
      du[1 + trip3] += dLeft_1 + dt12 - 2 * dt10;
      dKappa += dt12 * (left_1Then - 2 * here + readLog[t2 + 2 * trip3 + 1]) * DT;
      dLeft_1 = dt10;
    }
    du[0] += dLeft_1;
  }
  let trip4 = trips;
  while (trip4 > 0) {
    trip4 = trip4 - 1;
    du[trip4] = 0;
  }
  return dKappa;
}
export const dMisfit = misfit_grad;
/** The profile after STEPS steps, the same loop without the gradient. */
function simulate(kappa, initial) {
  const u = Float64Array.from(initial);
  for (let step = 0; step < STEPS; step++) {
    let left = u[0];
    for (let i = 1; i < CELLS - 1; i++) {
      const here = u[i];
      u[i] = here + kappa * DT * (left - 2 * here + u[i + 1]);
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
