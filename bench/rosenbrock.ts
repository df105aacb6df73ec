// The Rosenbrock workload: the gradient of the Rosenbrock function over a Float64Array of
// 1e6 elements, written as a loop and differentiated by the transformer, against a
// hand-written adjoint loop, and TF.js CPU and WASM written as a TF.js user would (vectorised
// with slices, float32: TF.js has no float64).
import { performance } from "node:perf_hooks";
import { grad } from "adjoint";
import { finish, maxNormwiseError, runWorkload, worse, type Data, type Impl } from "./harness";
import { tf, tfImpl, type Unavailable } from "./tfjs";

const N = 1_000_000;
const TIMING = { warmup: 5, rounds: 41, minRounds: 3, budgetMs: 2_000 };
/** Normwise, for TF.js's float32 gradient against the float64 hand-written one on the same (rounded) input. */
const FLOAT32_TOLERANCE = 1e-5; // in the notes below

/** Written as a user would. */
function rosenbrock(x: Float64Array): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    total += 100 * a * a + b * b;
  }
  return total;
}

const generated = grad(rosenbrock);

/** The adjoint by hand: one backward-free pass, each term's partial derivatives added in place. */
function handWritten(x: Float64Array): Float64Array {
  const n = x.length;
  const dx = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) {
    const xi = x[i]!;
    const a = x[i + 1]! - xi * xi;
    dx[i]! += -400 * a * xi - 2 * (1 - xi);
    dx[i + 1]! += 200 * a;
  }
  return dx;
}

/** The same function in TF.js, as a TF.js user writes it: whole-array ops on two overlapping slices. */
function rosenbrockTf(x: tf.Tensor): tf.Scalar {
  const head = x.slice(0, N - 1);
  const tail = x.slice(1, N - 1);
  const a = tf.sub(tail, tf.square(head));
  const b = tf.sub(1, head);
  return tf.sum(tf.add(tf.mul(100, tf.square(a)), tf.square(b)));
}
const rosenbrockGradTf = tf.grad(rosenbrockTf);

async function main(): Promise<void> {
  tf.enableProdMode();
  const started = performance.now();
  // Rounded to float32, so that TF.js's rows and the float64 rows see the same numbers.
  const x = Float64Array.from({ length: N }, (_, i) => Math.fround(Math.sin(i * 0.001) * 1.5));
  const reference = handWritten(x);
  const plain = (name: string, kind: "adjoint" | "hand", f: (x: Float64Array) => Float64Array): Impl => ({
    name,
    kind,
    grad: () => f(x),
    primal: () => rosenbrock(x),
    read: (r) => [r as Data],
  });
  const impls: (Impl | Unavailable)[] = [
    plain("adjoint: generated `grad(rosenbrock)` (loop)", "adjoint", generated),
    plain("hand-written adjoint loop", "hand", handWritten),
  ];
  for (const backend of ["cpu", "wasm"] as const) {
    impls.push(
      await tfImpl(
        backend,
        "`tf.grad`, vectorised with slices (float32)",
        (): [tf.Tensor] => [tf.tensor1d(Float32Array.from(x), "float32")],
        (xt) => rosenbrockGradTf(xt),
        (xt) => rosenbrockTf(xt),
      ),
    );
  }
  const workload = await runWorkload(
    {
      id: "rosenbrock",
      title: "Rosenbrock loop over a Float64Array, n = 1,000,000",
      label: "Rosenbrock loop",
      dtype: "float64 (TF.js: float32)",
      baseline: "hand",
      notes: [
        "The input is rounded to float32 values so that every row differentiates the same function. Errors: the " +
          "generated gradient per element relative to max(1, |hand-written|) (the run stops above 1e-12); TF.js's " +
          `float32 gradients normwise (the worst error over the largest |element|; stops above 1e-5).`,
        "TF.js has no float64: its rows compute in float32, which halves the memory they move.",
        "Primals: `rosenbrock(x)`, the user's loop, for both plain-JS rows; the vectorised function in TF.js.",
      ],
    },
    impls,
    ([g], impl) => {
      if (impl.kind === "tfjs-cpu" || impl.kind === "tfjs-wasm") {
        const err = maxNormwiseError([g!], [reference]);
        if (!(err <= FLOAT32_TOLERANCE)) throw new Error(`normwise error ${err.toExponential(2)}`);
        return err;
      }
      let worst = 0;
      for (let i = 0; i < N; i++)
        worst = worse(worst, Math.abs(g![i]! - reference[i]!) / Math.max(1, Math.abs(reference[i]!)));
      if (!(worst <= 1e-12)) throw new Error(`differs from the hand-written gradient by ${worst.toExponential(2)}`);
      return worst;
    },
    TIMING,
  );
  if (tf.memory().numTensors !== 0) throw new Error(`TF.js leaked ${tf.memory().numTensors} tensors`);
  finish("rosenbrock", started, [workload]);
}

main().catch((e) => {
  process.stderr.write(`bench/rosenbrock: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
