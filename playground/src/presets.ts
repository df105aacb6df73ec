// The programs in the preset menu: the seed notebook's cells on plain numbers
// (examples/gradient-tricks.ts, examples/seed-notebook.ts), then examples/rosenbrock.ts,
// examples/horner.ts and a small MLP that trains in the page in a blink.
//
// The plot convention: a program that exports
//   export const plot = { x: [from, to], curves: { "name": (x: number) => number, ... } };
// gets each curve drawn over [from, to] when it runs. A curve whose name says
// "(for comparison)" is dashed.

export interface Preset {
  readonly id: string;
  readonly title: string;
  readonly code: string;
}

const modified = `// The seed notebook, cells 15-16: f + g - stopGradient(g) has the value of f
// and the gradient f' + g'. The stopped term is computed for the value and has
// no adjoint code at all: read modified_grad on the right.
import { grad, stopGradient } from "adjoint";

const f = (x: number) => x * x;
const g = (x: number) => x ** 3;
const modified = (x: number) => f(x) + g(x) - stopGradient(g(x));

const dModified = grad(modified);
const df = grad(f);

for (const x of [0.01995021, -0.32892969, 0.75804777]) {
  console.log(\`x = \${x}: modified = \${modified(x).toFixed(8)}, modified' = \${dModified(x)}, 2x + 3x² = \${2 * x + 3 * x * x}\`);
}

export const plot = {
  x: [-1.5, 1.5],
  curves: {
    "modified(x) = f(x) = x²": modified,
    "modified'(x) = 2x + 3x²": dModified,
    "f'(x) = 2x (for comparison)": df,
  },
};
`;

const reversal = `// The seed notebook, cells 19-21: stopGradient(2f) - f has the value of f and
// the gradient -f'; gradient plus reversed gradient is zero.
import { grad, stopGradient } from "adjoint";

const f = (x: number) => x * x;
const reversal = (x: number) => stopGradient(2 * f(x)) - f(x);

const df = grad(f);
const dReversal = grad(reversal);

for (const x of [0.01995021, -0.32892969, 0.75804777]) {
  console.log(\`x = \${x}: reversal = \${reversal(x)}, reversal' = \${dReversal(x)}, sum = \${df(x) + dReversal(x)}\`);
}

export const plot = {
  x: [-1.5, 1.5],
  curves: { "reversal(x) = x²": reversal, "reversal'(x) = -2x": dReversal },
};
`;

const hookOutput = `// The seed notebook: f_X.register_hook(lambda grad: -grad). A hook on f's output
// negates the gradient flowing back through it: the value is f, the gradient -f'.
import { grad, gradHook } from "adjoint";

const f = (x: number) => x * x;
const hooked = (x: number) => gradHook(f(x), (dy) => -dy);

const dHooked = grad(hooked);

for (const x of [0.01995021, -0.32892969, 0.75804777]) {
  console.log(\`x = \${x}: hooked' = \${dHooked(x)}, -2x = \${-2 * x}\`);
}

export const plot = {
  x: [-1.5, 1.5],
  curves: { "hooked(x) = x²": hooked, "hooked'(x) = -2x": dHooked },
};
`;

const hookInput = `// The seed notebook: torch_X.register_hook(lambda grad: grad + 3*(torch_X*torch_X)).
// A hook on the input adds 3x² to the gradient reaching x: f' + g' again, by another road.
import { grad, gradHook } from "adjoint";

const f = (x: number) => x * x;
const hookedInput = (x: number) => f(gradHook(x, (dx) => dx + 3 * x * x));

const dHookedInput = grad(hookedInput);

for (const x of [0.01995021, -0.32892969, 0.75804777]) {
  console.log(\`x = \${x}: hooked' = \${dHookedInput(x)}, 2x + 3x² = \${2 * x + 3 * x * x}\`);
}

export const plot = {
  x: [-1.5, 1.5],
  curves: { "f(x) = x²": hookedInput, "hooked'(x) = 2x + 3x²": dHookedInput },
};
`;

const reverse = `// The gradient reversal layer (Ganin and Lempitsky, 2015): the identity forward,
// the gradient times -lambda backward. Move the λ slider: it rewrites the next line.
import { grad, reverseGradient } from "adjoint";

const lambda = 0.5;

const f = (x: number) => x * x;
const layer = (x: number) => reverseGradient(f(x), lambda);

const dLayer = grad(layer);

for (const x of [0.01995021, -0.32892969, 0.75804777]) {
  console.log(\`x = \${x}: layer' = \${dLayer(x)}, -λ·2x = \${-lambda * 2 * x}\`);
}

export const plot = {
  x: [-1.5, 1.5],
  curves: { "layer(x) = x²": layer, "layer'(x) = -λ·2x": dLayer },
};
`;

const rosenbrock = `// examples/rosenbrock.ts: the Rosenbrock function over a Float64Array, written as a
// loop, minimised by gradient descent with its generated gradient.
import { valueAndGrad } from "adjoint";

/** sum over i of 100 (x[i+1] - x[i]²)² + (1 - x[i])², minimal (0) at x = 1, 1, ..., 1. */
function rosenbrock(x: Float64Array): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    total += 100 * a * a + b * b;
  }
  return total;
}

const rosenbrockValueAndGrad = valueAndGrad(rosenbrock);

let x = Float64Array.from({ length: 4 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
for (let step = 0; step <= 20000; step++) {
  const { value, grad } = rosenbrockValueAndGrad(x);
  if (step % 4000 === 0)
    console.log(\`step \${step}: f = \${value.toExponential(3)}, x = [\${Array.from(x, (v) => v.toFixed(3)).join(", ")}]\`);
  x = x.map((v, i) => v - 0.001 * grad[i]!);
}

// A slice through the minimum: x0 varies, x1 = 1.
export const plot = {
  x: [-0.5, 1.5],
  curves: {
    "rosenbrock(x, 1)": (t: number) => rosenbrock(Float64Array.of(t, 1)),
    "∂/∂x0": (t: number) => rosenbrockValueAndGrad(Float64Array.of(t, 1)).grad[0]!,
  },
};
`;

const horner = `// examples/horner.ts: a polynomial by Horner's rule, differentiated with respect to
// x and to every coefficient at once (d/dc_k p(x) = x^k).
import { grad } from "adjoint";

/** c[0] + c[1] x + c[2] x² + ... by Horner's rule. */
function polynomial(x: number, c: number[]): number {
  let y = 0;
  for (let k = c.length - 1; k >= 0; k--) y = y * x + c[k]!;
  return y;
}

const dPolynomial = grad(polynomial, { wrt: [0, 1] });

const c = [1, -3, 0, 2]; // 1 - 3x + 2x³
for (const x of [-1, 0.5, 2]) {
  const [dx, dc] = dPolynomial(x, c);
  console.log(\`p(\${x}) = \${polynomial(x, c)}, p'(\${x}) = \${dx} (closed form \${-3 + 6 * x * x}), dp/dc = [\${dc.join(", ")}]\`);
}

export const plot = {
  x: [-1.6, 1.6],
  curves: {
    "p(x) = 1 - 3x + 2x³": (x: number) => polynomial(x, c),
    "p'(x)": (x: number) => dPolynomial(x, c)[0],
  },
};
`;

const mlp = `// A small multilayer perceptron (examples/mlp.ts in miniature): 1 → 16 → 16 → 1 with
// tanh, fitted to sin(x) on [-3, 3] by Adam over the generated gradient of the loss.
// The gradient has the parameters' structure, an array of { w, b }.
import { adam, add, matmul, mean, mul, randomNormal, sub, tanh, tensor, valueAndGrad, type Tensor } from "adjoint";

interface Dense {
  readonly w: Tensor;
  readonly b: Tensor;
}

function init(widths: number[], seed: number): Dense[] {
  const layers: Dense[] = [];
  for (let k = 0; k + 1 < widths.length; k++) {
    const [fanIn, fanOut] = [widths[k]!, widths[k + 1]!];
    const w = mul(randomNormal([fanIn, fanOut], { seed: seed + k }), Math.sqrt(2 / (fanIn + fanOut)));
    layers.push({ w, b: tensor(new Float64Array(fanOut)) });
  }
  return layers;
}

function forward(layers: Dense[], x: Tensor): Tensor {
  return layers.reduce((h, layer, i) => {
    const z = add(matmul(h, layer.w), layer.b);
    return i < layers.length - 1 ? tanh(z) : z;
  }, x);
}

function loss(layers: Dense[], x: Tensor, y: Tensor): Tensor {
  const error = sub(forward(layers, x), y);
  return mean(mul(error, error));
}

const lossAndGrad = valueAndGrad(loss);

const xs = Array.from({ length: 64 }, (_, i) => -3 + (6 * i) / 63);
const x = tensor(xs.map((v) => [v]));
const y = tensor(xs.map((v) => [Math.sin(v)]));

let params = init([1, 16, 16, 1], 7);
const optimizer = adam({ lr: 0.02 });
let state = optimizer.init(params);
for (let step = 0; step <= 600; step++) {
  const { value, grad } = lossAndGrad(params, x, y);
  if (step % 100 === 0) console.log(\`step \${step}: loss = \${value.item().toExponential(3)}\`);
  ({ params, state } = optimizer.step(params, grad, state));
}

const net = (t: number) => forward(params, tensor([[t]])).item();
export const plot = {
  x: [-3, 3],
  curves: { "network": net, "sin(x) (for comparison)": Math.sin },
};
`;

export const PRESETS: readonly Preset[] = [
  { id: "modified", title: "Modified gradient: f + g − stop(g)", code: modified },
  { id: "reversal", title: "Reversal trick: stop(2f) − f", code: reversal },
  { id: "hook-output", title: "Hook on the output: −dy", code: hookOutput },
  { id: "hook-input", title: "Hook on the input: dx + 3x²", code: hookInput },
  { id: "reverse", title: "Gradient reversal layer (λ slider)", code: reverse },
  { id: "rosenbrock", title: "Example: Rosenbrock", code: rosenbrock },
  { id: "horner", title: "Example: Horner's rule", code: horner },
  { id: "mlp", title: "Example: a small MLP", code: mlp },
];

/** The line the λ slider rewrites: `const lambda = <number>;`. */
export const LAMBDA_LINE = /^const lambda = (-?[\d.]+(?:e-?\d+)?);$/m;
