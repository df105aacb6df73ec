// The DANN workload: one step of examples/dann.ts's domain-adversarial network (its model,
// loss and sizes: a source batch of 50 points, 100 points of both domains, 2-D inputs), in
// float32 so that TF.js computes the same thing: the generated valueAndGrad against TF.js CPU
// and WASM with tf.grads (the gradient reversal as a tf.customGrad). No hand-written version:
// ten parameters through two shared paths are long to write by hand, and at these sizes the
// step measures per-operation overhead, which the other workloads' hand-written rows bound.
// The gradients are checked against the generated gradient in float64 before timing.
import { performance } from "node:perf_hooks";
import { mul, randomNormal, randomUniform, tensor, type Tensor } from "adjoint";
import { finish, loadUserCode, maxNormwiseError, runWorkload, type Impl } from "./harness";
import { tf, tfImpl, type Unavailable } from "./tfjs";

const [SOURCE, BOTH, LAMBDA] = [50, 100, 0.5];
const TIMING = { warmup: 20, rounds: 61, minRounds: 9, budgetMs: 1_000 };
const TOLERANCE = 1e-4;

type Args = [...Tensor[], number];
type UserCode = {
  loss: (...args: Args) => Tensor;
  lossAndGrad: (...args: Args) => { value: Tensor; grad: Tensor[] };
};

/** Parameters as examples/dann.ts initialises them (biases random here, to check their gradients), then the batches. */
function data(dtype: "float32" | "float64"): Tensor[] {
  const layer = (fanIn: number, fanOut: number, k: number): Tensor[] => [
    mul(randomNormal([fanIn, fanOut], { seed: 10 + k, dtype }), Math.sqrt(2 / fanIn)),
    mul(randomNormal([fanOut], { seed: 20 + k, dtype }), 0.1),
  ];
  const oneHot = (n: number, seed: number) => {
    const labels = randomUniform([n], { seed }).data;
    return tensor(
      Array.from(labels, (u) => (u < 0.5 ? [1, 0] : [0, 1])),
      { dtype },
    );
  };
  return [
    ...layer(2, 32, 1),
    ...layer(32, 16, 2),
    ...layer(16, 2, 3),
    ...layer(16, 16, 4),
    ...layer(16, 2, 5),
    randomNormal([SOURCE, 2], { seed: 31, dtype }),
    oneHot(SOURCE, 32),
    randomNormal([BOTH, 2], { seed: 33, dtype }),
    oneHot(BOTH, 34),
  ];
}

// ---- the same model in TF.js ----

const reversal = tf.customGrad((x, _save) => ({
  value: (x as tf.Tensor).clone(),
  gradFunc: (dy: tf.Tensor) => tf.mul(dy, -LAMBDA),
}));

function featuresTf(x: tf.Tensor, [w1, b1, w2, b2]: tf.Tensor[]): tf.Tensor {
  return tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1!), b1!)), w2!), b2!));
}

function crossEntropyTf(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1)));
}

function lossTf(
  p: tf.Tensor[],
  source: tf.Tensor,
  sourceLabels: tf.Tensor,
  both: tf.Tensor,
  domains: tf.Tensor,
): tf.Scalar {
  const [w3, b3, w4, b4, w5, b5] = p.slice(4);
  const labelLogits = tf.add(tf.matMul(featuresTf(source, p), w3!), b3!);
  const h = reversal(featuresTf(both, p));
  const domainLogits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(h, w4!), b4!)), w5!), b5!);
  return tf.add(crossEntropyTf(labelLogits, sourceLabels), crossEntropyTf(domainLogits, domains)) as tf.Scalar;
}

async function main(): Promise<void> {
  tf.enableProdMode();
  const started = performance.now();
  const args: Args = [...data("float32"), LAMBDA];
  const user = await loadUserCode<UserCode>("dann-loss", (m) => m.lossAndGrad(...args));
  const name = "adjoint: generated `valueAndGrad(loss, { wrt: [0, …, 9] })`";
  let reference: Float64Array[] = [];
  const impls: (Impl | Unavailable)[] = [];
  if ("module" in user) {
    reference = user.module.lossAndGrad(...data("float64"), LAMBDA).grad.map((g) => g.data as Float64Array);
    impls.push({
      name,
      kind: "adjoint",
      grad: () => user.module.lossAndGrad(...args),
      primal: () => user.module.loss(...args),
      read: (r) => (r as { grad: Tensor[] }).grad.map((t) => t.data),
    });
  } else impls.push({ name, kind: "adjoint", unavailable: user.reason });
  for (const backend of ["cpu", "wasm"] as const) {
    impls.push(
      await tfImpl(
        backend,
        "`tf.grads` (loss and gradients)",
        () =>
          (args.slice(0, 14) as Tensor[]).map((t) => tf.tensor(t.data as Float32Array, t.shape as number[], "float32")),
        (...held) => {
          const [params, batches] = [held.slice(0, 10), held.slice(10)] as [tf.Tensor[], tf.Tensor[]];
          const lossOf = (...p: tf.Tensor[]) => lossTf(p, batches[0]!, batches[1]!, batches[2]!, batches[3]!);
          // The value as well as the gradients, as valueAndGrad returns both.
          const { value, grads } = tf.valueAndGrads(lossOf)(params);
          return [value, ...grads];
        },
        (...held) => lossTf(held.slice(0, 10), held[10]!, held[11]!, held[12]!, held[13]!),
      ),
    );
  }
  const workload = await runWorkload(
    {
      id: "dann",
      title: `DANN step (examples/dann.ts's model and loss), ${SOURCE} source + ${BOTH} mixed points, float32`,
      label: "DANN step",
      dtype: "float32",
      baseline: "tfjs-wasm",
      notes: [
        "No hand-written version (optional in issue #12): ratios are to TF.js WASM. examples/dann.ts computes in " +
          "float64; here float32, as TF.js has no float64.",
        "Errors: normwise against the generated gradient computed in float64 on the same inputs; the run stops above 1e-4.",
        "Primals: the user's `loss` on the runtime, `loss` in TF.js.",
      ],
    },
    impls,
    (grads, impl) => {
      // TF.js rows return the value first.
      const got = impl.kind === "adjoint" ? grads : grads.slice(1);
      const err = maxNormwiseError(got, reference);
      if (!(err <= TOLERANCE)) throw new Error(`normwise error ${err.toExponential(2)} against float64`);
      return err;
    },
    TIMING,
  );
  if (tf.memory().numTensors !== 0) throw new Error(`TF.js leaked ${tf.memory().numTensors} tensors`);
  finish("dann", started, [workload]);
}

main().catch((e) => {
  process.stderr.write(`bench/dann: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
