// Domain-adversarial training (Ganin and Lempitsky, 2015) on synthetic data: the source
// domain is two labelled moons, the target domain the same moons rotated, with no labels
// used in training. A feature extractor feeds a label classifier and, through
// reverseGradient, a domain classifier: the domain classifier learns to tell the domains
// apart while the reversed gradient teaches the features to make that impossible, so
// what the label classifier learns on the source carries over to the target. The same
// network trained with lambda = 0 (the domain classifier trains, but nothing is reversed
// into the features) is the baseline. Prints per-epoch accuracies and writes an SVG plot
// of both runs to examples/out/dann.svg.
import {
  add,
  argmax,
  div,
  gather,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  randomNormal,
  randomUniform,
  relu,
  reverseGradient,
  sqrt,
  sub,
  sum,
  tensor,
  valueAndGrad,
} from "adjoint";
import * as adjoint from "adjoint/internal";
/** n points on two interleaved half circles with Gaussian noise, rotated by `angle` radians about the centre. */
export function moons(n, angle, seed) {
  const t = randomUniform([n], { seed, low: 0, high: Math.PI }).data;
  const noise = randomNormal([n, 2], { seed: seed + 1 }).data;
  const points = [];
  const labels = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const [px, py] =
      label === 0 ? [Math.cos(t[i]), Math.sin(t[i])] : [1 - Math.cos(t[i]), 0.5 - Math.sin(t[i])];
    const [cx, cy] = [px - 0.5 + 0.1 * noise[2 * i], py - 0.25 + 0.1 * noise[2 * i + 1]];
    points.push([
      cx * Math.cos(angle) - cy * Math.sin(angle),
      cx * Math.sin(angle) + cy * Math.cos(angle),
    ]);
    labels.push(label);
  }
  return { x: tensor(points), labels };
}
function oneHot(labels) {
  return tensor(labels.map((l) => [l === 0 ? 1 : 0, l === 1 ? 1 : 0]));
}
function initParams(seed) {
  const layer = (fanIn, fanOut, k) => [
    mul(randomNormal([fanIn, fanOut], { seed: seed + k }), Math.sqrt(2 / fanIn)),
    tensor(new Float64Array(fanOut)),
  ];
  return [
    ...layer(2, 32, 1),
    ...layer(32, 16, 2),
    ...layer(16, 2, 3),
    ...layer(16, 16, 4),
    ...layer(16, 2, 5),
  ];
}
function features(x, w1, b1, w2, b2) {
  return relu(add(matmul(relu(add(matmul(x, w1), b1)), w2), b2));
}
function features_vjp_w1_b1_w2_b2(x, w1, b1, w2, b2, seed2) {
  const t1 = adjoint.matmul(x, w1);
  const t2 = adjoint.add(t1, b1);
  const t3 = adjoint.relu(t2);
  const t4 = adjoint.matmul(t3, w2);
  let dt5;
  if (adjoint.sameShapes(seed2, t4, b2)) {
    const seed2s = seed2.data;
    const t4s = t4.data;
    const b2s = b2.data;
    dt5 = adjoint.fusedResult(seed2, t4, b2);
    const dt5s = dt5.data;
    const n2 = dt5s.length;
    for (let i2 = 0; i2 < n2; i2++) {
      const seed2i = seed2s[i2];
      const t4i = t4s[i2];
      const b2i = b2s[i2];
      const addi = t4i + b2i;
      const greateri = addi > 0 ? 1 : 0;
      dt5s[i2] = seed2i * greateri;
    }
  } else {
    dt5 = adjoint.mul(seed2, adjoint.greater(adjoint.add(t4, b2), 0));
  }
  const dt4 = adjoint.unbroadcast(dt5, t4, b2);
  const dt2 = adjoint.mul(
    adjoint.matmulGradA(adjoint.fitGradient(dt4, t4), t3, w2),
    adjoint.greater(t2, 0),
  );
  const dw1 = adjoint.matmulGradB(adjoint.fitGradient(adjoint.unbroadcast(dt2, t1, b1), t1), x, w1);
  const db1 = adjoint.unbroadcast(dt2, b1, t1);
  const dw2 = adjoint.matmulGradB(adjoint.fitGradient(dt4, t4), t3, w2);
  const db2 = adjoint.unbroadcast(dt5, b2, t4);
  return [
    adjoint.fitGradient(dw1, w1),
    adjoint.fitGradient(db1, b1),
    adjoint.fitGradient(dw2, w2),
    adjoint.fitGradient(db2, b2),
  ];
}
function domainLogits(h, w4, b4, w5, b5) {
  return add(matmul(relu(add(matmul(h, w4), b4)), w5), b5);
}
function domainLogits_vjp_h_w4_b4_w5_b5(h, w4, b4, w5, b5, seed2) {
  const t1 = adjoint.matmul(h, w4);
  const t2 = adjoint.add(t1, b4);
  const t3 = adjoint.relu(t2);
  const t4 = adjoint.matmul(t3, w5);
  const dt4 = adjoint.unbroadcast(seed2, t4, b5);
  const dt2 = adjoint.mul(
    adjoint.matmulGradA(adjoint.fitGradient(dt4, t4), t3, w5),
    adjoint.greater(t2, 0),
  );
  const dt1 = adjoint.unbroadcast(dt2, t1, b4);
  const dh = adjoint.matmulGradA(adjoint.fitGradient(dt1, t1), h, w4);
  const dw4 = adjoint.matmulGradB(adjoint.fitGradient(dt1, t1), h, w4);
  const db4 = adjoint.unbroadcast(dt2, b4, t1);
  const dw5 = adjoint.matmulGradB(adjoint.fitGradient(dt4, t4), t3, w5);
  const db5 = adjoint.unbroadcast(seed2, b5, t4);
  return [
    adjoint.fitGradient(dh, h),
    adjoint.fitGradient(dw4, w4),
    adjoint.fitGradient(db4, b4),
    adjoint.fitGradient(dw5, w5),
    adjoint.fitGradient(db5, b5),
  ];
}
/** Mean cross-entropy of logits against one-hot targets. */
function crossEntropy(logits, targets) {
  return neg(mean(sum(mul(targets, logSoftmax(logits)), 1)));
}
function crossEntropy_vjp(logits, targets, seed2) {
  const t1 = adjoint.logSoftmax(logits);
  const t2 = adjoint.mul(targets, t1);
  const t3 = adjoint.sum(t2, 1);
  const dLogits = adjoint.logSoftmaxGrad(
    adjoint.unbroadcast(
      adjoint.mul(
        adjoint.sumGrad(adjoint.div(adjoint.neg(seed2), adjoint.reductionSize(t3)), t2, t3, 1),
        targets,
      ),
      t1,
      targets,
    ),
    t1,
  );
  return adjoint.fitGradient(dLogits, logits);
}
/**
 * The label loss on a labelled source batch plus the domain loss on a batch of both
 * domains, whose features reach the domain classifier through reverseGradient(h, lambda).
 */
function loss(w1, b1, w2, b2, w3, b3, w4, b4, w5, b5, source, sourceLabels, both, domains, lambda) {
  const labelLogits = add(matmul(features(source, w1, b1, w2, b2), w3), b3);
  const h = reverseGradient(features(both, w1, b1, w2, b2), lambda);
  return add(
    crossEntropy(labelLogits, sourceLabels),
    crossEntropy(domainLogits(h, w4, b4, w5, b5), domains),
  );
}
function loss_valueAndGrad_w1_b1_w2_b2_w3_b3_w4_b4_w5_b5(
  w1,
  b1,
  w2,
  b2,
  w3,
  b3,
  w4,
  b4,
  w5,
  b5,
  source,
  sourceLabels,
  both,
  domains,
  lambda,
) {
  const t1 = features(source, w1, b1, w2, b2);
  const t2 = adjoint.matmul(t1, w3);
  const labelLogits = adjoint.add(t2, b3);
  const t3 = features(both, w1, b1, w2, b2);
  const t5 = domainLogits(t3, w4, b4, w5, b5);
  const [dh, dw4, db4, dw5, db5] = domainLogits_vjp_h_w4_b4_w5_b5(
    t3,
    w4,
    b4,
    w5,
    b5,
    crossEntropy_vjp(t5, domains, 1),
  );
  const [dw1, db1, dw2, db2] = features_vjp_w1_b1_w2_b2(
    both,
    w1,
    b1,
    w2,
    b2,
    adjoint.neg(adjoint.mul(lambda, dh)),
  );
  const dLabelLogits = crossEntropy_vjp(labelLogits, sourceLabels, 1);
  const dt2 = adjoint.unbroadcast(dLabelLogits, t2, b3);
  const [dw1b, db1b, dw2b, db2b] = features_vjp_w1_b1_w2_b2(
    source,
    w1,
    b1,
    w2,
    b2,
    adjoint.matmulGradA(adjoint.fitGradient(dt2, t2), t1, w3),
  );
  const dw1c = adjoint.add(dw1, dw1b);
  const db1c = adjoint.add(db1, db1b);
  const dw2c = adjoint.add(dw2, dw2b);
  const db2c = adjoint.add(db2, db2b);
  const dw3 = adjoint.matmulGradB(adjoint.fitGradient(dt2, t2), t1, w3);
  const db3 = adjoint.unbroadcast(dLabelLogits, b3, t2);
  return {
    value: adjoint.add(crossEntropy(labelLogits, sourceLabels), crossEntropy(t5, domains)),
    grad: [
      adjoint.fitGradient(dw1c, w1),
      adjoint.fitGradient(db1c, b1),
      adjoint.fitGradient(dw2c, w2),
      adjoint.fitGradient(db2c, b2),
      adjoint.fitGradient(dw3, w3),
      adjoint.fitGradient(db3, b3),
      adjoint.fitGradient(dw4, w4),
      adjoint.fitGradient(db4, b4),
      adjoint.fitGradient(dw5, w5),
      adjoint.fitGradient(db5, b5),
    ],
  };
}
const lossAndGrad = loss_valueAndGrad_w1_b1_w2_b2_w3_b3_w4_b4_w5_b5;
// ---- the optimizer: Adam, written on the runtime ----
class Adam {
  lr;
  beta1;
  beta2;
  m;
  v;
  t = 0;
  constructor(params, lr, beta1 = 0.9, beta2 = 0.999) {
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.m = params.map((p) => mul(p, 0));
    this.v = params.map((p) => mul(p, 0));
  }
  step(params, grads) {
    this.t++;
    const correction1 = 1 - this.beta1 ** this.t;
    const correction2 = 1 - this.beta2 ** this.t;
    return params.map((p, i) => {
      const g = grads[i];
      this.m[i] = add(mul(this.m[i], this.beta1), mul(g, 1 - this.beta1));
      this.v[i] = add(mul(this.v[i], this.beta2), mul(mul(g, g), 1 - this.beta2));
      const update = div(div(this.m[i], correction1), add(sqrt(div(this.v[i], correction2)), 1e-8));
      return sub(p, mul(update, this.lr));
    });
  }
}
function rows(x) {
  return x.toArray();
}
function accuracy(logits, labels) {
  const predicted = argmax(logits).data;
  return labels.filter((l, i) => predicted[i] === l).length / labels.length;
}
/** A seeded permutation of 0..n−1 (Fisher–Yates on the runtime's generator). */
function shuffled(n, seed) {
  const r = randomUniform([n], { seed }).data;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r[i] * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
export function train(config) {
  const {
    epochs,
    lambdaScale,
    points = 300,
    batch = 50,
    rotation = (40 * Math.PI) / 180,
    seed = 7,
  } = config;
  const source = moons(points, 0, seed);
  const target = moons(points, rotation, seed + 100);
  const sourceLabels = oneHot(source.labels);
  let params = initParams(seed + 200);
  const adam = new Adam(params, 0.01);
  const history = [];
  const batches = Math.floor(points / batch);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const progress = epoch / Math.max(1, epochs - 1);
    const lambda = lambdaScale * (2 / (1 + Math.exp(-10 * progress)) - 1);
    const sourceOrder = shuffled(points, seed * 1000 + 2 * epoch);
    const targetOrder = shuffled(points, seed * 1000 + 2 * epoch + 1);
    let total = 0;
    for (let b = 0; b < batches; b++) {
      const s = sourceOrder.slice(b * batch, (b + 1) * batch);
      const t = targetOrder.slice(b * batch, (b + 1) * batch);
      const xs = gather(source.x, s);
      const ys = gather(sourceLabels, s);
      const both = tensor([...rows(xs), ...rows(gather(target.x, t))]);
      const domains = oneHot([...s.map(() => 0), ...t.map(() => 1)]);
      const { value, grad } = lossAndGrad(...params, xs, ys, both, domains, lambda);
      total += value.item();
      params = adam.step(params, grad);
    }
    const [w1, b1, w2, b2, w3, b3, w4, b4, w5, b5] = params;
    const predict = (x) => add(matmul(features(x, w1, b1, w2, b2), w3), b3);
    const allPoints = tensor([...rows(source.x), ...rows(target.x)]);
    history.push({
      epoch: epoch + 1,
      lambda,
      loss: total / batches,
      sourceAccuracy: accuracy(predict(source.x), source.labels),
      targetAccuracy: accuracy(predict(target.x), target.labels),
      domainAccuracy: accuracy(domainLogits(features(allPoints, w1, b1, w2, b2), w4, b4, w5, b5), [
        ...source.labels.map(() => 0),
        ...target.labels.map(() => 1),
      ]),
    });
  }
  return history;
}
// ---- the plot ----
/** Both runs' target and domain accuracy per epoch, as an SVG line chart. */
export function plot(runs) {
  const [width, height, left, right, top, bottom] = [820, 400, 60, 250, 30, 50];
  const epochs = Math.max(...runs.map((r) => r.history.length));
  const x = (e) => left + ((e - 1) / Math.max(1, epochs - 1)) * (width - left - right);
  const y = (a) => top + (1 - a) * (height - top - bottom);
  const line = (h, key) =>
    h.map((p) => `${x(p.epoch).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (a) =>
      `<line x1="${left}" y1="${y(a)}" x2="${width - right}" y2="${y(a)}" stroke="#ddd"/>` +
      `<text x="${left - 8}" y="${y(a) + 4}" text-anchor="end" font-size="12">${a.toFixed(2)}</text>`,
  );
  const step = Math.max(1, Math.ceil(epochs / 60) * 10);
  const ticks = Array.from({ length: Math.floor(epochs / step) + 1 }, (_, k) =>
    Math.max(1, k * step),
  ).map(
    (e) =>
      `<text x="${x(e)}" y="${height - bottom + 18}" text-anchor="middle" font-size="12">${e}</text>`,
  );
  const chance = `<line x1="${left}" y1="${y(0.5)}" x2="${width - right}" y2="${y(0.5)}" stroke="#999" stroke-dasharray="2 3"/><text x="${width - right - 4}" y="${y(0.5) - 4}" text-anchor="end" font-size="11" fill="#777">chance (domain)</text>`;
  const series = runs.flatMap((r, k) => [
    `<polyline fill="none" stroke="${r.color}" stroke-width="2" points="${line(r.history, "targetAccuracy")}"/>`,
    `<polyline fill="none" stroke="${r.color}" stroke-width="2" stroke-dasharray="6 4" points="${line(r.history, "domainAccuracy")}"/>`,
    `<line x1="${width - right + 15}" y1="${top + 20 + 40 * k}" x2="${width - right + 45}" y2="${top + 20 + 40 * k}" stroke="${r.color}" stroke-width="2"/>`,
    `<text x="${width - right + 50}" y="${top + 24 + 40 * k}" font-size="12">${r.name}: target acc.</text>`,
    `<line x1="${width - right + 15}" y1="${top + 38 + 40 * k}" x2="${width - right + 45}" y2="${top + 38 + 40 * k}" stroke="${r.color}" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<text x="${width - right + 50}" y="${top + 42 + 40 * k}" font-size="12">${r.name}: domain acc.</text>`,
  ]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14">Domain-adversarial training on rotated two moons</text>`,
    ...grid,
    ...ticks,
    chance,
    `<text x="16" y="${(top + height - bottom) / 2}" font-size="12" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">accuracy</text>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle" font-size="12">epoch</text>`,
    ...series,
    `</svg>`,
  ].join("\n");
}
if (require.main === module) {
  const epochs = 60;
  const pct = (a) => `${(100 * a).toFixed(1)}%`.padStart(7);
  const runs = [
    { name: "reversal (DANN)", history: train({ epochs, lambdaScale: 1 }), color: "#1f77b4" },
    { name: "lambda = 0", history: train({ epochs, lambdaScale: 0 }), color: "#d62728" },
  ];
  for (const run of runs) {
    console.log(`\n${run.name}\nepoch  lambda   loss   source  target  domain`);
    for (const e of run.history) {
      if (e.epoch % 5 === 0 || e.epoch === 1) {
        console.log(
          `${String(e.epoch).padStart(5)}  ${e.lambda.toFixed(3)}  ${e.loss.toFixed(3)} ${pct(e.sourceAccuracy)} ${pct(e.targetAccuracy)} ${pct(e.domainAccuracy)}`,
        );
      }
    }
  }
  const fs = require("node:fs");
  const path = require("node:path");
  const out = path.join(__dirname, "..", "out");
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "dann.svg"), plot(runs));
  const [dann, baseline] = runs.map((r) => r.history[r.history.length - 1]);
  console.log(
    `\ntarget accuracy ${pct(dann.targetAccuracy)} with reversal vs ${pct(baseline.targetAccuracy)} without; ` +
      `domain classifier ${pct(dann.domainAccuracy)} vs ${pct(baseline.domainAccuracy)}. Plot: examples/out/dann.svg`,
  );
}
