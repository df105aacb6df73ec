// The seed notebook's gradient tricks on plain numbers: adding a term's gradient without
// its value, reversing a gradient, and a backward hook. f(x) = x², g(x) = x³.
import { gradHook, reverseGradient, stopGradient } from "adjoint";
const f = (x) => x * x;
function f_grad(x) {
  const dx = x + x;
  return dx;
}
function f_forward(x) {
  return [
    x * x,
    (seed) => {
      const dx = seed * x + seed * x;
      return dx;
    },
  ];
}
const g = (x) => x ** 3;
function g_forward(x) {
  return [
    x ** 3,
    (seed) => {
      const dx = seed * (3 * x ** 2);
      return dx;
    },
  ];
}
// Value of f, gradient f' + g'.
const modified = (x) => f(x) + g(x) - stopGradient(g(x));
function modified_valueAndGrad(x) {
  const [fValue, fBack] = f_forward(x);
  const [gValue, gBack] = g_forward(x);
  const dx = gBack(1) + fBack(1);
  return { value: fValue + gValue - g(x), grad: dx };
}
// Value of f, gradient -f'.
const reversal = (x) => stopGradient(2 * f(x)) - f(x);
function reversal_grad(x) {
  const [fValue, fBack] = f_forward(x);
  const dx = fBack(-1);
  return dx;
}
// A hook that negates the gradient flowing out of f.
const hooked = (x) => gradHook(f(x), (dy) => -dy);
function hooked_grad(x) {
  const [fValue, fBack] = f_forward(x);
  const hook = (dy) => -dy;
  const dx = fBack(hook(1));
  return dx;
}
// The gradient reversal layer, with its strength chosen at run time.
const reversed = (x, lambda) => reverseGradient(f(x), lambda);
function reversed_grad(x, lambda) {
  const [fValue, fBack] = f_forward(x);
  const dx = fBack(-lambda);
  return dx;
}
const df = f_grad;
const modifiedValueAndGrad = modified_valueAndGrad;
const dReversal = reversal_grad;
const dHooked = hooked_grad;
const dReversed = reversed_grad;
const X = [0.01995021, -0.32892969, 0.75804777, 0.172995, 0.69747771];
const fmt = (v) => v.toFixed(8).padStart(12);
console.log("       x         f'(x)    modified    2x + 3x²    reversal    hooked   λ=0.5 layer");
for (const x of X) {
  const { value, grad: dm } = modifiedValueAndGrad(x);
  if (Math.abs(value - f(x)) > 1e-15)
    throw new Error("the modified function changed the forward value");
  console.log(
    [x, df(x), dm, 2 * x + 3 * x * x, dReversal(x), dHooked(x), dReversed(x, 0.5)]
      .map(fmt)
      .join(""),
  );
}
