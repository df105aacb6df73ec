// Calls to functions of the program: each callee gets a vjp, called from the backward sweep.
function h(t) {
  return Math.exp(t) / (1 + t * t);
}
function h_forward(t) {
  const t1 = Math.exp(t);
  const t3 = 1 + t * t;
  const t4 = t1 / t3;
  return [
    t4,
    (seed) => {
      const dt3 = -((seed * t4) / t3);
      const dt = dt3 * t + dt3 * t + (seed / t3) * t1;
      return dt;
    },
  ];
}
function g(a, b) {
  return h(a) * b + a * b;
}
function g_forward_a_b(a, b) {
  const [hValue, hBack] = h_forward(a);
  return [
    hValue * b + a * b,
    (seed) => {
      const da = seed * b + hBack(seed * b);
      const db = seed * a + seed * hValue;
      return [da, db];
    },
  ];
}
export function f(x, y) {
  return g(x, y) + g(y, x * x) + h(3);
}
function f_grad_x_y(x, y) {
  const [gValue, gBack] = g_forward_a_b(x, y);
  const [gValue2, gBack2] = g_forward_a_b(y, x * x);
  const [dy, dt2] = gBack2(1);
  const [dx, dy2] = gBack(1);
  const dx2 = dt2 * x + dt2 * x + dx;
  const dy3 = dy + dy2;
  return [dx2, dy3];
}
export const df = f_grad_x_y;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.7, 0.45],
      [-1.1, -0.45],
    ],
  },
];
