// Callees in another module: their vjps are generated there, exported, and imported here.
import { drag, sq } from "./cross-module-callee";
import * as cross_module_callee_adjoint from "./cross-module-callee";
export function energy(v, k) {
  return 0.5 * sq(v) + drag(v, k);
}
function energy_grad_v_k(v, k) {
  const [sqValue, sqBack] = cross_module_callee_adjoint.sq_forward(v);
  const [dragValue, dragBack] = cross_module_callee_adjoint.drag_forward_v_k(v, k);
  const [dv, dk] = dragBack(1);
  const dv2 = dv + sqBack(0.5);
  return [dv2, dk];
}
export const df = energy_grad_v_k;
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
