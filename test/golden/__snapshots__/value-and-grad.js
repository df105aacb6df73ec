// valueAndGrad: the value and the gradient from one forward pass.
export function f(x, y) {
  const t = Math.exp(x * y);
  return t / (1 + t);
}
function f_valueAndGrad_x_y(x, y) {
  const t = Math.exp(x * y);
  const t2 = 1 + t;
  const t3 = t / t2;
  const dt1 = (1 / t2 + -(t3 / t2)) * t;
  const dx = dt1 * y;
  const dy = dt1 * x;
  return { value: t3, grad: [dx, dy] };
}
export const vg = f_valueAndGrad_x_y;
export const checks = [
  {
    f,
    valueAndGrad: vg,
    wrt: [0, 1],
    at: [
      [0.7, -1.3],
      [2, 0.5],
    ],
  },
];
