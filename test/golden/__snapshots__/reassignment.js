// let reassigned and compound-assigned, x++ as a statement: each version is an SSA name.
export function f(x) {
  let y = x * 2;
  y = y * y;
  y += Math.sin(x);
  y *= x;
  y++;
  const z = y;
  return z * x;
}
function f_grad(x) {
  const y = x * 2;
  const y_1 = y * y;
  const y_2 = y_1 + Math.sin(x);
  const y_3 = y_2 * x;
  const y_4 = y_3 + 1;
  const dy_2 = x * x;
  const dx = y_4 + x * y_2 + dy_2 * Math.cos(x) + 2 * (dy_2 * y + dy_2 * y);
  return dx;
}
export const df = f_grad;
export const checks = [{ f, grad: df, at: [[0.3], [-1.7]] }];
