// Callees in another module: their vjps are generated there, exported, and imported here.
import { grad } from "adjoint";
import { drag, sq } from "./cross-module-callee";

export function energy(v: number, k: number) {
  return 0.5 * sq(v) + drag(v, k);
}

export const df = grad(energy, { wrt: [0, 1] });

export const checks = [
  {
    f: energy,
    grad: df,
    wrt: [0, 1],
    at: [
      [1.3, 0.7],
      [-0.4, 2],
    ],
  },
];
