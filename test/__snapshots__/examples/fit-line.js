// Fitting a line with a Huber loss by gradient descent: valueAndGrad with respect to two
// parameters at once, a branch in the differentiated code, and a helper function that is
// differentiated too.
/** Quadratic near zero, linear in the tails: robust to the outlier below. */
function huber(r, delta) {
  const a = Math.abs(r);
  if (a <= delta) return 0.5 * r * r;
  return delta * (a - 0.5 * delta);
}
function huber_forward(r, delta) {
  const a = Math.abs(r);
  let result;
  let t1;
  if (a <= delta) {
    t1 = 0.5 * r;
    result = t1 * r;
  } else {
    result = delta * (a - 0.5 * delta);
  }
  return [
    result,
    (seed) => {
      let dr = 0;
      let da = 0;
      if (a <= delta) {
        dr += seed * t1 + 0.5 * (seed * r);
      } else {
        da += seed * delta;
      }
      dr += da * Math.sign(r);
      return dr;
    },
  ];
}
const xs = [0, 1, 2, 3, 4, 5, 6, 7];
const ys = [1.1, 2.9, 5.2, 7.1, 8.8, 11.2, 30, 15.1]; // y ≈ 2x + 1, with one outlier at x = 6
/** The loss of one point; the data loop stays outside the differentiated function. */
function pointLoss(w, b, x, y) {
  return huber(w * x + b - y, 1);
}
function pointLoss_valueAndGrad_w_b(w, b, x, y) {
  const [huberValue, huberBack] = huber_forward(w * x + b - y, 1);
  const dt3 = huberBack(1);
  const dw2 = dt3 * x;
  return { value: huberValue, grad: [dw2, dt3] };
}
const step = pointLoss_valueAndGrad_w_b;
let w = 0;
let b = 0;
for (let epoch = 0; epoch <= 2000; epoch++) {
  let loss = 0;
  let dw = 0;
  let db = 0;
  for (let i = 0; i < xs.length; i++) {
    const { value, grad } = step(w, b, xs[i], ys[i]);
    loss += value;
    dw += grad[0];
    db += grad[1];
  }
  if (epoch % 500 === 0)
    console.log(
      `epoch ${String(epoch).padStart(3)}  loss ${loss.toFixed(4)}  w ${w.toFixed(4)}  b ${b.toFixed(4)}`,
    );
  w -= 0.004 * dw;
  b -= 0.004 * db;
}
console.log(`fitted y = ${w.toFixed(3)} x + ${b.toFixed(3)} (the outlier barely moves it)`);
export {};
