// A recursive function: its vjp calls itself, once per level.
export function power(x, n) {
  if (n === 0) return 1;
  return x * power(x, n - 1);
}
function power_grad(x, n) {
  let t1;
  let t2;
  if (!(n === 0)) {
    t1 = n - 1;
    t2 = power(x, t1);
  }
  let dx = 0;
  if (!(n === 0)) {
    dx += t2 + power_vjp(x, t1, x);
  }
  return dx;
}
function power_vjp(x, n, seed) {
  let t1;
  let t2;
  if (!(n === 0)) {
    t1 = n - 1;
    t2 = power(x, t1);
  }
  let dx = 0;
  if (!(n === 0)) {
    dx += seed * t2 + power_vjp(x, t1, seed * x);
  }
  return dx;
}
export const df = power_grad;
export const checks = [
  {
    f: power,
    grad: df,
    at: [
      [1.3, 4],
      [-0.6, 1],
      [2, 0],
    ],
  },
];
