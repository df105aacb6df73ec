// Second order against first order: a Hessian-vector product, `hvp(f)(x, v)` (reverse over
// forward), timed against the gradient `grad(f)(x)` of the same function in the same rounds,
// for a number-array loop (the extended Rosenbrock function, n = 1,000) and a tensor function
// (sum(tanh(x·W)) with respect to W, 512 weights). JAX's rule of thumb for an HVP is 2–4× the
// gradient's time. Each timed call runs the derivative REPEAT times (one call takes
// microseconds, below what a single performance.now() interval measures well).
import { performance } from "node:perf_hooks";
import { grad, hvp, matmul, sum, tanh, tensor, type Tensor } from "adjoint";
import { finish, maxNormwiseError, runWorkload, type Data, type Impl, type WorkloadRecord } from "./harness";

const TIMING = { warmup: 5, rounds: 41, minRounds: 5, budgetMs: 2_000 };
const REPEAT = 500;
/** Normwise, of each row against its hand-written or finite-difference reference. */
const TOLERANCE = { exact: 1e-12, differences: 1e-6 };

// ---- (i) the extended Rosenbrock function over a Float64Array, written as a loop ----

const N = 1_000;

function rosenbrock(x: Float64Array): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    total += 100 * a * a + b * b;
  }
  return total;
}

const gradRosenbrock = grad(rosenbrock);
const hvpRosenbrock = hvp(rosenbrock);

/** The gradient by hand (as in bench/rosenbrock.ts). */
function rosenbrockGradHand(x: Float64Array): Float64Array {
  const dx = new Float64Array(x.length);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    dx[i]! += -400 * a * x[i]! - 2 * (1 - x[i]!);
    dx[i + 1]! += 200 * a;
  }
  return dx;
}

/** H·v by hand: each term's 2×2 block of second derivatives times (v[i], v[i+1]). */
function rosenbrockHvpHand(x: Float64Array, v: Float64Array): Float64Array {
  const hv = new Float64Array(x.length);
  for (let i = 0; i + 1 < x.length; i++) {
    const [xi, xj] = [x[i]!, x[i + 1]!];
    hv[i]! += (1200 * xi * xi - 400 * xj + 2) * v[i]! - 400 * xi * v[i + 1]!;
    hv[i + 1]! += -400 * xi * v[i]! + 200 * v[i + 1]!;
  }
  return hv;
}

// ---- (ii) a tensor function: sum(tanh(x·W)) with respect to W ----

const [ROWS, INNER, OUT] = [16, 32, 16];
const X = tensor(
  Float64Array.from({ length: ROWS * INNER }, (_, i) => Math.sin(i * 0.37) * 0.5),
  { shape: [ROWS, INNER] },
);

function layerLoss(w: Tensor): Tensor {
  return sum(tanh(matmul(X, w)));
}

const gradLayer = grad(layerLoss);
const hvpLayer = hvp(layerLoss);

const asData = (r: unknown): Data => {
  if (r instanceof Float64Array || r instanceof Float32Array) return r;
  if (Array.isArray(r)) return Float64Array.from(r as number[]);
  return (r as Tensor).data as Data;
};

/** Central differences of a gradient along v (the reference for the tensor HVP). */
function differencesAlong(g: (w: Tensor) => Tensor, w: Tensor, v: Tensor, h = 1e-5): Float64Array {
  const shift = (s: number) =>
    tensor(
      Float64Array.from(w.data, (wi, i) => wi + s * v.data[i]!),
      { shape: w.shape },
    );
  const [plus, minus] = [g(shift(h)).data, g(shift(-h)).data];
  return Float64Array.from(plus, (p, i) => (p - minus[i]!) / (2 * h));
}

const repeated =
  <T>(call: () => T) =>
  (): T => {
    let r = call();
    for (let k = 1; k < REPEAT; k++) r = call();
    return r;
  };

const NOTES = [
  `Each timed call runs the derivative ${REPEAT} times; times are per ${REPEAT} calls. Both rows run in one ` +
    "process, in interleaved rounds: the ratio column is the HVP's time ÷ the gradient's. JAX's rule of thumb: 2–4×.",
  "`hvp(f)` is reverse over forward: the gradient of the forward-mode derivative along v.",
];

async function main(): Promise<void> {
  const started = performance.now();
  const workloads: WorkloadRecord[] = [];

  {
    const x = Float64Array.from({ length: N }, (_, i) => Math.sin(i * 0.01) * 1.5);
    const v = Float64Array.from({ length: N }, (_, i) => Math.cos(i * 0.07));
    const [gRef, hvRef] = [rosenbrockGradHand(x), rosenbrockHvpHand(x, v)];
    const impls: Impl[] = [
      {
        name: "generated `grad(rosenbrock)(x)`",
        kind: "other",
        grad: repeated(() => gradRosenbrock(x)),
        primal: repeated(() => rosenbrock(x)),
        read: (r) => [asData(r)],
      },
      {
        name: "generated `hvp(rosenbrock)(x, v)`",
        kind: "adjoint",
        grad: repeated(() => hvpRosenbrock(x, v)),
        read: (r) => [asData(r)],
      },
    ];
    workloads.push(
      await runWorkload(
        {
          id: "hvp-rosenbrock",
          title: `Hessian-vector product ÷ gradient: Rosenbrock loop over a Float64Array, n = ${N.toLocaleString("en-US")}`,
          label: "HVP, Rosenbrock loop",
          dtype: "float64",
          baseline: "other",
          notes: [
            ...NOTES,
            "Errors: normwise against the hand-written gradient and the hand-written H·v (each term's 2×2 block).",
          ],
        },
        impls,
        ([g], impl) => {
          const err = maxNormwiseError([g!], [impl.kind === "other" ? gRef : hvRef]);
          if (!(err <= TOLERANCE.exact)) throw new Error(`normwise error ${err.toExponential(2)}`);
          return err;
        },
        TIMING,
      ),
    );
  }

  {
    const w = tensor(
      Float64Array.from({ length: INNER * OUT }, (_, i) => Math.cos(i * 0.23) * 0.3),
      { shape: [INNER, OUT] },
    );
    const v = tensor(
      Float64Array.from({ length: INNER * OUT }, (_, i) => Math.sin(i * 0.11)),
      { shape: [INNER, OUT] },
    );
    const gRef = Float64Array.from(gradLayer(w).data);
    const hvRef = differencesAlong(gradLayer, w, v);
    const impls: Impl[] = [
      {
        name: "generated `grad(layerLoss)(w)`",
        kind: "other",
        grad: repeated(() => gradLayer(w)),
        primal: repeated(() => layerLoss(w)),
        read: (r) => [asData(r)],
      },
      {
        name: "generated `hvp(layerLoss)(w, v)`",
        kind: "adjoint",
        grad: repeated(() => hvpLayer(w, v)),
        read: (r) => [asData(r)],
      },
    ];
    workloads.push(
      await runWorkload(
        {
          id: "hvp-layer",
          title: `Hessian-vector product ÷ gradient: sum(tanh(x·W)) with respect to W, x ${ROWS}×${INNER}, W ${INNER}×${OUT} (float64 tensors)`,
          label: "HVP, tensor layer",
          dtype: "float64",
          baseline: "other",
          notes: [
            ...NOTES,
            "Errors: the gradient is its own reference (0); the HVP normwise against central differences of the " +
              "generated gradient along v (h = 1e-5; the run stops above 1e-6).",
          ],
        },
        impls,
        ([g], impl) => {
          const err = maxNormwiseError([g!], [impl.kind === "other" ? gRef : hvRef]);
          if (!(err <= (impl.kind === "other" ? TOLERANCE.exact : TOLERANCE.differences)))
            throw new Error(`normwise error ${err.toExponential(2)}`);
          return err;
        },
        TIMING,
      ),
    );
  }

  for (const w of workloads) {
    const [g, h] = [w.rows.find((r) => r.kind === "other")?.stats, w.rows.find((r) => r.kind === "adjoint")?.stats];
    if (g && h)
      process.stderr.write(
        `${w.id}: hvp ÷ grad = ${(h.medianMs / g.medianMs).toFixed(2)} (median), ${(h.minMs / g.minMs).toFixed(2)} (min)\n`,
      );
  }
  finish("hvp", started, workloads);
}

main().catch((e) => {
  process.stderr.write(`bench/hvp: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
