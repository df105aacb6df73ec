// The seed workload: the gradient of the seed notebook's modified function
// sum(f(x) + g(x) − stopGradient(g(x))), f(x) = x², g(x) = x³, on 1e6 elements uniform on
// [−1, 1], float32 and float64: the transformer's generated gradient, the same gradient
// composed from runtime ops by hand, a hand-written fused loop, and TF.js CPU and WASM.
// Every implementation is checked against 2x + 3x² before timing.
import { performance } from "node:perf_hooks";
import { randomUniform, type Tensor } from "adjoint";
import { dModifiedComposed } from "./composed";
import { finish, loadUserCode, runWorkload, worse, type Data, type Impl, type WorkloadRecord } from "./harness";
import { dModifiedLoop32, dModifiedLoop64, modifiedLoop } from "./loop";
import { dModifiedTf, modifiedTf, tf, tfImpl, type Unavailable } from "./tfjs";

const N = 1_000_000;
const TOLERANCE = { float32: 1e-5, float64: 1e-12 } as const;
const TOLERANCE_TEXT = { float32: "1e-5", float64: "1e-12" } as const;
const TIMING = { warmup: 5, rounds: 21, minRounds: 3, budgetMs: 2_500 };

type DType = "float32" | "float64";
type UserCode = { dModified: (x: Tensor) => Tensor; modified: (x: Tensor) => Tensor };

/** Max over i of |got − (2x + 3x²)| / (|2x| + 3x²), the reference computed in float64. */
function maxRelError(x: Data, got: Data): number {
  if (got.length !== x.length) throw new Error(`gradient has ${got.length} elements, expected ${x.length}`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const scale = Math.abs(2 * v) + 3 * v * v;
    const err = Math.abs(got[i]! - (2 * v + 3 * v * v));
    const rel = err === 0 ? 0 : scale === 0 ? Infinity : err / scale;
    worst = worse(worst, rel);
  }
  return worst;
}

function adjointImpl(
  name: string,
  kind: "adjoint" | "composed",
  dtype: DType,
  x: Tensor,
  grad: (x: Tensor) => Tensor,
  primal?: (x: Tensor) => Tensor,
): Impl {
  return {
    name,
    kind,
    grad: () => grad(x),
    primal: primal && (() => primal(x)),
    read: (r) => {
      const t = r as Tensor;
      if (t.dtype !== dtype) throw new Error(`gradient has dtype ${t.dtype}, expected ${dtype}`);
      if (t.shape.length !== 1 || t.shape[0] !== N) throw new Error(`gradient has shape [${t.shape}]`);
      return [t.data];
    },
  };
}

async function workload(dtype: DType, user: { module: UserCode } | { reason: string }): Promise<WorkloadRecord> {
  const x = randomUniform([N], { seed: 20240601, dtype, low: -1, high: 1 });
  const generatedName = "adjoint: generated `grad(modified)`";
  const impls: (Impl | Unavailable)[] = [
    "module" in user
      ? adjointImpl(generatedName, "adjoint", dtype, x, user.module.dModified, user.module.modified)
      : { name: generatedName, kind: "adjoint", unavailable: user.reason },
    adjointImpl("adjoint: runtime ops composed by hand", "composed", dtype, x, dModifiedComposed),
    {
      name: "hand-written fused loop",
      kind: "hand",
      grad:
        dtype === "float32"
          ? () => dModifiedLoop32(x.data as Float32Array)
          : () => dModifiedLoop64(x.data as Float64Array),
      primal: () => modifiedLoop(x.data),
      read: (r) => [r as Data],
    },
  ];
  for (const backend of ["cpu", "wasm"] as const) {
    if (dtype === "float64") {
      const name = `TF.js ${backend === "cpu" ? "CPU" : "WASM"}`;
      impls.push({ name, kind: `tfjs-${backend}`, unavailable: "n/a (TF.js has no float64)" });
      continue;
    }
    impls.push(
      await tfImpl(
        backend,
        "`tf.grad`",
        (): [tf.Tensor] => [tf.tensor1d(x.data as Float32Array, "float32")],
        (xt) => dModifiedTf(xt),
        (xt) => modifiedTf(xt),
      ),
    );
  }
  return runWorkload(
    {
      id: `seed-${dtype}`,
      title: `Seed workload, ${dtype}: gradient of sum(x² + x³ − stopGradient(x³)), n = 1,000,000`,
      label: `seed, ${dtype}`,
      dtype,
      baseline: "hand",
      notes: [
        "Errors are the worst per-element error relative to |2x| + 3x² (reference in float64); the run stops above " +
          `${TOLERANCE_TEXT[dtype]}.`,
        "Primals: the user's `modified(x)` on the runtime, a hand-written fused sum loop, `modified` in TF.js.",
      ],
    },
    impls,
    ([g]) => {
      const err = maxRelError(x.data, g!);
      if (!(err <= TOLERANCE[dtype]))
        throw new Error(`max relative error ${err.toExponential(2)} exceeds ${TOLERANCE[dtype]}`);
      return err;
    },
    TIMING,
  );
}

async function main(): Promise<void> {
  // TF.js logs a "install tfjs-node" hint on first use of the CPU backend in Node; prod mode
  // only turns off its log and warn output (TF.js 4.x), not any checks that cost time.
  tf.enableProdMode();
  const started = performance.now();
  // One dtype per process when asked (npm run bench does): a program computes in one dtype, and
  // the generated loop, shared by both, is slower once it has seen both array types.
  const only = process.argv.includes("--dtype") ? process.argv[process.argv.indexOf("--dtype") + 1] : undefined;
  const dtypes = (["float32", "float64"] as const).filter((d) => only === undefined || d === only);
  // The probe runs in the first dtype timed, so the generated loop sees no array type that the
  // timed calls do not pass.
  const probe = randomUniform([3], { seed: 1, dtype: dtypes[0] });
  const user = await loadUserCode<UserCode>("workloads", (m) => m.dModified(probe));
  const workloads: WorkloadRecord[] = [];
  for (const dtype of dtypes) workloads.push(await workload(dtype, user));
  const tensorsLeft = tf.memory().numTensors;
  if (tensorsLeft !== 0) throw new Error(`TF.js leaked ${tensorsLeft} tensors`);
  finish("seed", started, workloads);
}

main().catch((e) => {
  process.stderr.write(`bench/seed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
