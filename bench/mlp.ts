// The MLP workload: one gradient step of a 784-256-10 network (tanh hidden layer, softmax
// cross-entropy via logSumExp) on a batch of 256, float32: the loss in bench/mlp-loss.ts
// compiled by tspc with the transformer, the same step by hand with plain loops
// (bench/mlp-hand.ts), and TF.js CPU and WASM with tf.grads. All four gradients are checked
// against each other before timing.
import { performance } from "node:perf_hooks";
import { mul, randomNormal, randomUniform, tensor, type Tensor } from "adjoint";
import { finish, loadUserCode, maxNormwiseError, runWorkload, type Data, type Impl } from "./harness";
import { mlpGradHand, mlpLossHand, type MlpData, type MlpShape } from "./mlp-hand";
import { tf, tfImpl, type Unavailable } from "./tfjs";

const SHAPE: MlpShape = { batch: 256, inputs: 784, hidden: 256, classes: 10 };
const TIMING = { warmup: 2, rounds: 15, minRounds: 5, budgetMs: 2_500 };
/** Normwise, float32 gradients against the hand-written one (float64 inside). */
const TOLERANCE = 1e-4;

type Loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor) => Tensor;
type TfArgs = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
type UserCode = { loss: Loss; lossGrad: (...args: Parameters<Loss>) => [Tensor, Tensor, Tensor, Tensor] };

/** The loss in TF.js, as a TF.js user writes it. */
function lossTf(w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  const hidden = tf.tanh(tf.add(tf.matMul(x, w1), b1));
  const logits = tf.add(tf.matMul(hidden, w2), b2);
  return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(y, logits), 1)));
}

/** Parameters (scaled normal weights, small random biases), inputs uniform on [0, 1), one-hot labels. */
function data(): Tensor[] {
  const { batch: B, inputs: K, hidden: H, classes: C } = SHAPE;
  const f32 = { dtype: "float32" } as const;
  const labels = randomUniform([B], { seed: 5 }).data.map((u) => Math.floor(u * C));
  const y = new Float32Array(B * C);
  labels.forEach((l, b) => (y[b * C + l] = 1));
  return [
    mul(randomNormal([K, H], { seed: 1, ...f32 }), Math.sqrt(1 / K)),
    mul(randomNormal([H], { seed: 2, ...f32 }), 0.1),
    mul(randomNormal([H, C], { seed: 3, ...f32 }), Math.sqrt(1 / H)),
    mul(randomNormal([C], { seed: 4, ...f32 }), 0.1),
    randomUniform([B, K], { seed: 6, ...f32 }),
    tensor(y, { shape: [B, C] }),
  ];
}

async function main(): Promise<void> {
  tf.enableProdMode();
  const started = performance.now();
  const args = data() as Parameters<Loss>;
  const [w1, b1, w2, b2, x, y] = args.map((t) => t.data as Float32Array);
  const hand: MlpData = { w1: w1!, b1: b1!, w2: w2!, b2: b2!, x: x!, y: y! };
  const reference = mlpGradHand(SHAPE, hand);

  const user = await loadUserCode<UserCode>("mlp-loss", (m) => m.lossGrad(...args));
  const generatedName = "adjoint: generated `grad(loss, { wrt: [0, 1, 2, 3] })`";
  const impls: (Impl | Unavailable)[] = [
    "module" in user
      ? {
          name: generatedName,
          kind: "adjoint",
          grad: () => user.module.lossGrad(...args),
          primal: () => user.module.loss(...args),
          read: (r) => (r as Tensor[]).map((t) => t.data),
        }
      : { name: generatedName, kind: "adjoint", unavailable: user.reason },
    {
      name: "hand-written forward and backward loops",
      kind: "hand",
      grad: () => mlpGradHand(SHAPE, hand),
      primal: () => mlpLossHand(SHAPE, hand),
      read: (r) => r as Data[],
    },
  ];
  for (const backend of ["cpu", "wasm"] as const) {
    impls.push(
      await tfImpl(
        backend,
        "`tf.grads`",
        () => args.map((t) => tf.tensor(t.data as Float32Array, t.shape as number[], "float32")) as TfArgs,
        (tw1, tb1, tw2, tb2, tx, ty) =>
          tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => lossTf(a, b, c, d, tx, ty))([
            tw1,
            tb1,
            tw2,
            tb2,
          ]),
        lossTf,
      ),
    );
  }
  const workload = await runWorkload(
    {
      id: "mlp",
      title: "MLP 784-256-10 (tanh, softmax cross-entropy), batch 256, float32: one gradient step",
      label: "MLP step",
      dtype: "float32",
      baseline: "hand",
      notes: [
        "The gradient with respect to w1, b1, w2, b2 (not the input). Errors: normwise against the hand-written " +
          "gradient (float64 inside), the worst error over the largest |element| of each parameter's gradient; the " +
          "run stops above 1e-4.",
        "Primals: the user's `loss` on the runtime, the hand-written forward loops, `loss` in TF.js.",
      ],
    },
    impls,
    (grads) => {
      const err = maxNormwiseError(grads, reference);
      if (!(err <= TOLERANCE))
        throw new Error(`normwise error ${err.toExponential(2)} against the hand-written gradient`);
      return err;
    },
    TIMING,
  );
  if (tf.memory().numTensors !== 0) throw new Error(`TF.js leaked ${tf.memory().numTensors} tensors`);
  finish("mlp", started, [workload]);
}

main().catch((e) => {
  process.stderr.write(`bench/mlp: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
