// Returns from several depths become one result; a throwing path has no backward.
export function f(x) {
  if (x < -10) throw new Error("out of range");
  const a = x * 3;
  if (x > 2) return a * a;
  if (x > 0) {
    const b = Math.log(x + 1);
    if (x > 1) return b * a;
    return b + a;
  }
  return Math.cos(a);
}
function f_grad(x) {
  if (x < -10) {
    throw new Error("out of range");
  }
  const a = x * 3;
  let t2;
  let b;
  if (!(x > 2)) {
    if (x > 0) {
      t2 = x + 1;
      b = Math.log(t2);
    }
  }
  let dx = 0;
  let da = 0;
  if (x > 2) {
    da += a + a;
  } else if (x > 0) {
    let db = 0;
    if (x > 1) {
      db += a;
      da += b;
    } else {
      db += 1;
      da += 1;
    }
    dx += db / t2;
  } else {
    da += -Math.sin(a);
  }
  dx += 3 * da;
  return dx;
}
export const df = f_grad;
export const checks = [{ f, grad: df, at: [[2.5], [1.5], [0.5], [-0.7]] }];
