// + - * / % on numbers, constants and a parameter outside wrt.
export function f(x, y, k) {
  return (x * y - 3) / (x + k) + (x % 2) * y;
}
function f_grad_x_y(x, y, k) {
  const t3 = x + k;
  const dt2 = 1 / t3;
  const dx = y + -((x * y - 3) / t3 / t3) + dt2 * y;
  const dy = (x % 2) + dt2 * x;
  return [dx, dy];
}
export const df = f_grad_x_y;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.7, -1.3, 2],
      [3.4, 0.5, -1],
    ],
  },
];
