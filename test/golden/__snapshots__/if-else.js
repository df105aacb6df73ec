// if / else if / else; a variable assigned in some branches only meets the others after.
export function f(x) {
  let y = x;
  let z = 1;
  if (x < -1) {
    y = x * x;
  } else if (x < 1) {
    y = Math.sin(x) * 3;
    z = x;
  } else {
    z = Math.exp(x);
  }
  return y * z;
}
function f_grad(x) {
  let y_3;
  let z_2;
  let z;
  if (x < -1) {
    y_3 = x * x;
    z_2 = 1;
  } else {
    let y_2;
    let z_1;
    if (x < 1) {
      y_2 = Math.sin(x) * 3;
      z_1 = x;
    } else {
      z = Math.exp(x);
      y_2 = x;
      z_1 = z;
    }
    y_3 = y_2;
    z_2 = z_1;
  }
  let dx = 0;
  if (x < -1) {
    dx += z_2 * x + z_2 * x;
  } else if (x < 1) {
    dx += y_3 + 3 * z_2 * Math.cos(x);
  } else {
    dx += z_2 + y_3 * z;
  }
  return dx;
}
export const df = f_grad;
export const checks = [{ f, grad: df, at: [[-2.3], [0.4], [1.7]] }];
