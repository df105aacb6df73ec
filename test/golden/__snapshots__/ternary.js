// The conditional operator, with a differentiated value in each arm.
export const f = (x) => (x > 0 ? x * x : Math.sin(x)) + (x > 1 ? 1 : x);
function f_grad(x) {
  let dx = 0;
  if (!(x > 1)) {
    dx += 1;
  }
  if (x > 0) {
    dx += x + x;
  } else {
    dx += Math.cos(x);
  }
  return dx;
}
export const df = f_grad;
export const checks = [{ f, grad: df, at: [[-0.8], [0.5], [1.6]] }];
