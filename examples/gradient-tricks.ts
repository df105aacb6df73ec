// The seed notebook's gradient tricks on plain numbers: adding a term's gradient without
// its value, reversing a gradient, and a backward hook. f(x) = x², g(x) = x³.
import { grad, gradHook, reverseGradient, stopGradient, valueAndGrad } from "adjoint";

const f = (x: number) => x * x;
const g = (x: number) => x ** 3;

// Value of f, gradient f' + g'.
const modified = (x: number) => f(x) + g(x) - stopGradient(g(x));
// Value of f, gradient -f'.
const reversal = (x: number) => stopGradient(2 * f(x)) - f(x);
// A hook that negates the gradient flowing out of f.
const hooked = (x: number) => gradHook(f(x), (dy) => -dy);
// The gradient reversal layer, with its strength chosen at run time.
const reversed = (x: number, lambda: number) => reverseGradient(f(x), lambda);

const df = grad(f);
const modifiedValueAndGrad = valueAndGrad(modified);
const dReversal = grad(reversal);
const dHooked = grad(hooked);
const dReversed = grad(reversed);

const X = [0.01995021, -0.32892969, 0.75804777, 0.172995, 0.69747771];
const fmt = (v: number) => v.toFixed(8).padStart(12);

console.log("       x         f'(x)    modified    2x + 3x²    reversal    hooked   λ=0.5 layer");
for (const x of X) {
  const { value, grad: dm } = modifiedValueAndGrad(x);
  if (Math.abs(value - f(x)) > 1e-15) throw new Error("the modified function changed the forward value");
  console.log([x, df(x), dm, 2 * x + 3 * x * x, dReversal(x), dHooked(x), dReversed(x, 0.5)].map(fmt).join(""));
}
