// Math functions with a derivative, and the ones of gradient zero (floor, sign, ...).
export function f(x, y) {
  const a = Math.exp(x) * Math.log(y) + Math.sin(x) * Math.cos(y) + Math.tanh(x - y);
  const b = Math.sqrt(y) + Math.atan2(x, y) + Math.hypot(x, y) + Math.pow(y, x);
  return a + b * Math.abs(x) + Math.max(x, y) * Math.floor(y) + Math.sign(x);
}
function f_grad_x_y(x, y) {
  const t1 = Math.exp(x);
  const t9 = Math.tanh(x - y);
  const t10 = Math.sqrt(y);
  const t13 = Math.hypot(x, y);
  const t15 = Math.pow(y, x);
  const b = t10 + Math.atan2(x, y) + t13 + t15;
  const t16 = Math.abs(x);
  const t19 = Math.max(x, y);
  const t20 = Math.floor(y);
  const dt8 = 1 - t9 * t9;
  const dx =
    (x === y ? t20 / 2 : x === t19 ? t20 : 0) +
    b * Math.sign(x) +
    t16 * (t15 * Math.log(y)) +
    (t16 * x) / t13 +
    (t16 * y) / (x * x + y * y) +
    dt8 +
    Math.cos(y) * Math.cos(x) +
    Math.log(y) * t1;
  const dy =
    (y === x ? t20 / 2 : y === t19 ? t20 : 0) +
    (x === 0 ? 0 : t16 * (x * y ** (x - 1))) +
    (t16 * y) / t13 -
    (t16 * x) / (x * x + y * y) +
    t16 / (2 * t10) -
    dt8 -
    Math.sin(x) * Math.sin(y) +
    t1 / y;
  return [dx, dy];
}
export const df = f_grad_x_y;
export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.4, 1.7],
      [-1.2, 0.6],
    ],
  },
];
