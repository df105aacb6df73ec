// Unary minus and `**`, with a number and with a differentiated exponent.
export function f(x, y) {
  return -(x ** 3) + x ** y - -y;
}
function f_grad_x_y(x, y) {
  const dx = (y === 0 ? 0 : y * x ** (y - 1)) - 3 * x ** 2;
  const dy = 1 + x ** y * Math.log(x);
  return [dx, dy];
}
export const df = f_grad_x_y;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [1.3, 0.5],
      [2.1, -1.4],
    ],
  },
];
