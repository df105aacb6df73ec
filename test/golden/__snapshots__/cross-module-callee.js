// The module cross-module.ts calls into; its vjps are generated here.
export function sq(x) {
  return x * x;
}
export function sq_forward(x) {
  return [
    x * x,
    (seed) => {
      const dx = seed * x + seed * x;
      return dx;
    },
  ];
}
export const drag = (v, k) => k * sq(v) * Math.tanh(v);
export function drag_forward_v_k(v, k) {
  const [sqValue, sqBack] = sq_forward(v);
  const t2 = k * sqValue;
  const t3 = Math.tanh(v);
  return [
    t2 * t3,
    (seed) => {
      const dt2 = seed * t3;
      const dv = seed * t2 * (1 - t3 * t3) + sqBack(dt2 * k);
      const dk = dt2 * sqValue;
      return [dv, dk];
    },
  ];
}
