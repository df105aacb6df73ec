// The seed notebook ("Gradient reversal pytorch"), cell by cell, in TypeScript: the same
// ten values of X, f(x) = x·x and g(x) = x³; the gradient of f; the modified gradient
// f' + g' from f + g − stopGradient(g); the reversal stopGradient(2f) − f and its check
// that gradient plus reversed gradient is zero; backward hooks on the output (reversal) and
// on the input (adding 3x²). The TensorFlow half runs in float64, the PyTorch half in
// float32. Each line the notebook printed is shown under ours, in the notebook's format.
import { add, gradHook, mul, neg, pow, stopGradient, sub, tensor } from "adjoint";
import * as adjoint from "adjoint/internal";
const f = (x) => mul(x, x);
function f_grad(x) {
  const dx2 = adjoint.add(x, x);
  return adjoint.fitGradient(dx2, x);
}
function f_forward(x) {
  return [
    adjoint.mul(x, x),
    (seed) => {
      let dx2;
      if (adjoint.sameShapes(seed, x)) {
        const seeds = seed.data;
        const xs = x.data;
        dx2 = adjoint.fusedResult(seed, x);
        const dx2s = dx2.data;
        const n = dx2s.length;
        for (let i2 = 0; i2 < n; i2++) {
          const seedi = seeds[i2];
          const xi = xs[i2];
          const muli = seedi * xi;
          dx2s[i2] = muli + muli;
        }
      } else {
        dx2 = adjoint.add(adjoint.mul(seed, x), adjoint.mul(seed, x));
      }
      return adjoint.fitGradient(dx2, x);
    },
  ];
}
const g = (x) => pow(x, 3);
function g_forward(x) {
  return [
    adjoint.pow(x, 3),
    (seed) => {
      let dx2;
      if (adjoint.sameShapes(seed, x)) {
        const seeds = seed.data;
        const xs = x.data;
        dx2 = adjoint.fusedResult(seed, x);
        const dx2s = dx2.data;
        const n = dx2s.length;
        for (let i2 = 0; i2 < n; i2++) {
          const seedi = seeds[i2];
          const xi = xs[i2];
          const squarei = xi * xi;
          const muli = 3 * squarei;
          dx2s[i2] = seedi * muli;
        }
      } else {
        dx2 = adjoint.mul(seed, adjoint.mul(3, adjoint.pow(x, 2)));
      }
      return adjoint.fitGradient(dx2, x);
    },
  ];
}
/** Value f, gradient f' + g'. */
const modified = (x) => add(f(x), sub(g(x), stopGradient(g(x))));
function modified_valueAndGrad(x) {
  const [fValue, fBack] = f_forward(x);
  const [gValue, gBack] = g_forward(x);
  const dx2 = adjoint.add(gBack(1), fBack(1));
  return {
    value: adjoint.add(fValue, adjoint.sub(gValue, g(x))),
    grad: adjoint.fitGradient(dx2, x),
  };
}
/** Value f, gradient −f'. */
const reversal = (x) => sub(stopGradient(mul(2, f(x))), f(x));
function reversal_valueAndGrad(x) {
  const [fValue, fBack] = f_forward(x);
  const dx2 = fBack(-1);
  return { value: adjoint.sub(adjoint.mul(2, f(x)), fValue), grad: adjoint.fitGradient(dx2, x) };
}
/** f_X.register_hook(lambda grad: -grad) */
const hookOnOutput = (x) => gradHook(f(x), (dy) => neg(dy));
function hookOnOutput_grad(x) {
  const [fValue, fBack] = f_forward(x);
  const hook = (dy) => neg(dy);
  const dx2 = fBack(adjoint.fitGradient(hook(adjoint.fitGradient(1, fValue)), fValue));
  return adjoint.fitGradient(dx2, x);
}
/** torch_X.register_hook(lambda grad: grad + 3*(torch_X*torch_X)), then f. */
const hookOnInput = (x) => f(gradHook(x, (dx) => add(dx, mul(3, mul(x, x)))));
function hookOnInput_grad(x) {
  const hook = (dx) => add(dx, mul(3, mul(x, x)));
  const [fValue, fBack] = f_forward(x);
  const dx2 = adjoint.fitGradient(hook(adjoint.fitGradient(fBack(1), x)), x);
  return adjoint.fitGradient(dx2, x);
}
const df = f_grad;
const modifiedValueAndGrad = modified_valueAndGrad;
const reversalValueAndGrad = reversal_valueAndGrad;
const dHookOnOutput = hookOnOutput_grad;
const dHookOnInput = hookOnInput_grad;
/** Cell 3: X = np.random.randn(10), as printed. */
export const X = [
  0.01995021, -0.32892969, 0.75804777, 0.172995, 0.69747771, 1.11414039, -0.69194092, 2.43364877,
  0.92732815, -0.91409348,
];
const printed = (text) => text.trim().split(/[\s,]+/);
/** The notebook's cells next to ours. */
export function cells() {
  const tf = tensor(X); // float64, like tf.Variable(X)
  const torch = tensor(X, { dtype: "float32" }); // torch.FloatTensor(X)
  const gradient = df(tf);
  const modifiedTf = modifiedValueAndGrad(tf);
  const reversalTf = reversalValueAndGrad(tf);
  const sq = (x) => x * x;
  const cube = (x) => x ** 3;
  const twice = (x) => 2 * x;
  const sum = (x) => 2 * x + 3 * x * x;
  const minusTwice = (x) => -2 * x;
  return [
    {
      cell: 8,
      what: "f(X)",
      dtype: "float64",
      adjoint: f(tf),
      closedForm: sq,
      notebook: printed(
        "3.98010770e-04 1.08194738e-01 5.74636421e-01 2.99272683e-02 4.86475162e-01 1.24130881e+00 4.78782241e-01 5.92264633e+00 8.59937506e-01 8.35566890e-01",
      ),
    },
    {
      cell: 10,
      what: "tf.gradients(f(X), X)",
      dtype: "float64",
      adjoint: gradient,
      closedForm: twice,
      notebook: printed(
        "0.03990041 -0.65785937 1.51609554 0.34598999 1.39495543 2.22828078 -1.38388185 4.86729754 1.85465631 -1.82818696",
      ),
    },
    {
      cell: 13,
      what: "g(X)",
      dtype: "float64",
      adjoint: g(tf),
      closedForm: cube,
      notebook: printed(
        "7.94039737e-06 -3.55884610e-02 4.35601858e-01 5.17726764e-03 3.39305584e-01 1.38299228e+00 -3.31289026e-01 1.44136410e+01 7.97444260e-01 -7.63786246e-01",
      ),
    },
    {
      cell: 15,
      what: "f(X) + g(X) - stop_gradient(g(X))",
      dtype: "float64",
      adjoint: modifiedTf.value,
      closedForm: sq,
      notebook: printed(
        "3.98010770e-04 1.08194738e-01 5.74636421e-01 2.99272683e-02 4.86475162e-01 1.24130881e+00 4.78782241e-01 5.92264633e+00 8.59937506e-01 8.35566890e-01",
      ),
    },
    {
      cell: 16,
      what: "its gradient: f' + g'",
      dtype: "float64",
      adjoint: modifiedTf.grad,
      closedForm: sum,
      notebook: printed(
        "0.04109445 -0.33327516 3.2400048 0.4357718 2.85438092 5.95220721 0.05246488 22.63523654 4.43446883 0.67851371",
      ),
    },
    {
      cell: 19,
      what: "stop_gradient(2 f(X)) - f(X)",
      dtype: "float64",
      adjoint: reversalTf.value,
      closedForm: sq,
      notebook: printed(
        "3.98010770e-04 1.08194738e-01 5.74636421e-01 2.99272683e-02 4.86475162e-01 1.24130881e+00 4.78782241e-01 5.92264633e+00 8.59937506e-01 8.35566890e-01",
      ),
    },
    {
      cell: 20,
      what: "its gradient: -f'",
      dtype: "float64",
      adjoint: reversalTf.grad,
      closedForm: minusTwice,
      notebook: printed(
        "-0.03990041 0.65785937 -1.51609554 -0.34598999 -1.39495543 -2.22828078 1.38388185 -4.86729754 -1.85465631 1.82818696",
      ),
    },
    {
      cell: 21,
      what: "gradient + reversed gradient",
      dtype: "float64",
      adjoint: add(gradient, reversalTf.grad),
      closedForm: () => 0,
      notebook: printed("0. 0. 0. 0. 0. 0. 0. 0. 0. 0."),
    },
    {
      cell: 25,
      what: "f(torch_X)",
      dtype: "float32",
      adjoint: f(torch),
      closedForm: sq,
      notebook: printed(
        "3.98010772e-04 1.08194746e-01 5.74636400e-01 2.99272705e-02 4.86475140e-01 1.24130881e+00 4.78782207e-01 5.92264652e+00 8.59937549e-01 8.35566938e-01",
      ),
    },
    {
      cell: 26,
      what: "g(torch_X)",
      dtype: "float32",
      adjoint: g(torch),
      closedForm: cube,
      notebook: printed(
        "7.94039715e-06 -3.55884619e-02 4.35601830e-01 5.17726783e-03 3.39305550e-01 1.38299227e+00 -3.31288993e-01 1.44136410e+01 7.97444284e-01 -7.63786316e-01",
      ),
    },
    {
      cell: 27,
      what: "f_X.backward(ones): torch_X.grad",
      dtype: "float32",
      adjoint: df(torch),
      closedForm: twice,
      notebook: printed(
        "0.03990041 -0.65785939 1.51609552 0.34599 1.3949554 2.22828078 -1.38388181 4.86729765 1.85465634 -1.82818699",
      ),
    },
    {
      cell: 30,
      what: "modified gradient, f + g - g.detach()",
      dtype: "float32",
      adjoint: modifiedValueAndGrad(torch).grad,
      closedForm: sum,
      notebook: printed(
        "0.04109445 -0.33327514 3.24000454 0.43577182 2.85438085 5.95220757 0.05246484 22.63523865 4.43446875 0.67851377",
      ),
    },
    {
      cell: 33,
      what: "reversed gradient, (2f).detach() - f",
      dtype: "float32",
      adjoint: reversalValueAndGrad(torch).grad,
      closedForm: minusTwice,
      notebook: printed(
        "-0.03990041 0.65785939 -1.51609552 -0.34599 -1.3949554 -2.22828078 1.38388181 -4.86729765 -1.85465634 1.82818699",
      ),
    },
    {
      cell: 35,
      what: "hook on the output: grad -> -grad",
      dtype: "float32",
      adjoint: dHookOnOutput(torch),
      closedForm: minusTwice,
      notebook: printed(
        "-0.03990041 0.65785939 -1.51609552 -0.34599 -1.3949554 -2.22828078 1.38388181 -4.86729765 -1.85465634 1.82818699",
      ),
    },
    {
      cell: 37,
      what: "hook on the input: grad -> grad + 3x²",
      dtype: "float32",
      adjoint: dHookOnInput(torch),
      closedForm: sum,
      notebook: printed(
        "0.04109445 -0.33327514 3.24000454 0.43577182 2.85438085 5.95220757 0.05246484 22.63523865 4.43446875 0.67851377",
      ),
    },
  ];
}
/** Formats a value the way the notebook printed the corresponding one (fixed or exponent, same digits). */
export function likeNotebook(value, notebook) {
  const exponent = /e([+-]\d+)$/i.exec(notebook);
  if (exponent) {
    const digits = notebook.slice(0, exponent.index).split(".")[1]?.length ?? 0;
    const [mantissa, power] = value.toExponential(digits).split("e");
    return `${mantissa}e${power[0] === "-" ? "-" : "+"}${power.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  const digits = notebook.split(".")[1]?.length ?? 0;
  return digits === 0 && value === 0 ? "0." : value.toFixed(digits);
}
if (require.main === module) {
  console.log(`X = ${tensor(X)}\n`);
  for (const c of cells()) {
    const ours = Array.from(c.adjoint.data, (v, i) => likeNotebook(v, c.notebook[i]));
    const width = Math.max(...ours.map((s) => s.length), ...c.notebook.map((s) => s.length));
    const row = (values) => values.map((s) => s.padStart(width)).join(" ");
    console.log(`In [${c.cell}] ${c.what} (${c.dtype})`);
    console.log(`  adjoint   ${row(ours)}`);
    console.log(`  notebook  ${row(c.notebook)}`);
  }
}
