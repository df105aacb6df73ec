// The module cross-module.ts calls into; its vjps are generated here.
export function sq(x) {
  return x * x;
}
export function sq_vjp(x, seed) {
  const dx = seed * x + seed * x;
  return dx;
}
export const drag = (v, k) => k * sq(v) * Math.tanh(v);
export function drag_vjp_v_k(v, k, seed) {
  const t1 = sq(v);
  const t3 = Math.tanh(v);
  const dt2 = seed * t3;
  const dv = seed * (k * t1) * (1 - t3 * t3) + sq_vjp(v, dt2 * k);
  const dk = dt2 * t1;
  return [dv, dk];
}
