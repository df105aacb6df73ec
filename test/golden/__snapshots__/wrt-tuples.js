// wrt: one index gives one gradient, an array of indices a tuple in that order; other
// parameters are constants.
export function f(x, y, z) {
  return x * y * y + Math.sin(z) * x;
}
function f_grad_y(x, y, z) {
  const dy2 = x * y + y * x;
  return dy2;
}
function f_grad_z_x(x, y, z) {
  const dz = x * Math.cos(z);
  const dx = Math.sin(z) + y * y;
  return [dz, dx];
}
export const dy = f_grad_y;
export const dzx = f_grad_z_x;
export const checks = [
  { f, grad: dy, wrt: 1, at: [[0.7, -1.3, 2.1]] },
  { f, grad: dzx, wrt: [2, 0], at: [[0.7, -1.3, 2.1]] },
];
