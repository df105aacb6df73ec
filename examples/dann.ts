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
  adam,
  add,
  argmax,
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
  sum,
  tensor,
  valueAndGrad,
  type Tensor,
} from "adjoint";

// ---- data ----

export interface Domain {
  readonly x: Tensor; // n × 2 points
  readonly labels: number[]; // 0 or 1, the moon each point is on
}

/** n points on two interleaved half circles with Gaussian noise, rotated by `angle` radians about the centre. */
export function moons(n: number, angle: number, seed: number): Domain {
  const t = randomUniform([n], { seed, low: 0, high: Math.PI }).data;
  const noise = randomNormal([n, 2], { seed: seed + 1 }).data;
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const [px, py] = label === 0 ? [Math.cos(t[i]!), Math.sin(t[i]!)] : [1 - Math.cos(t[i]!), 0.5 - Math.sin(t[i]!)];
    const [cx, cy] = [px - 0.5 + 0.1 * noise[2 * i]!, py - 0.25 + 0.1 * noise[2 * i + 1]!];
    points.push([cx * Math.cos(angle) - cy * Math.sin(angle), cx * Math.sin(angle) + cy * Math.cos(angle)]);
    labels.push(label);
  }
  return { x: tensor(points), labels };
}

function oneHot(labels: readonly number[]): Tensor {
  return tensor(labels.map((l) => [l === 0 ? 1 : 0, l === 1 ? 1 : 0]));
}

// ---- the network ----

export interface Dense {
  readonly w: Tensor;
  readonly b: Tensor;
}

/** Feature extractor (2 → 32 → 16), label classifier (16 → 2), domain classifier (16 → 16 → 2). */
export interface Params {
  readonly extractor: { readonly hidden: Dense; readonly out: Dense };
  readonly label: Dense;
  readonly domain: { readonly hidden: Dense; readonly out: Dense };
}

function initParams(seed: number): Params {
  const layer = (fanIn: number, fanOut: number, k: number): Dense => ({
    w: mul(randomNormal([fanIn, fanOut], { seed: seed + k }), Math.sqrt(2 / fanIn)),
    b: tensor(new Float64Array(fanOut)),
  });
  return {
    extractor: { hidden: layer(2, 32, 1), out: layer(32, 16, 2) },
    label: layer(16, 2, 3),
    domain: { hidden: layer(16, 16, 4), out: layer(16, 2, 5) },
  };
}

function dense(layer: Dense, x: Tensor): Tensor {
  return add(matmul(x, layer.w), layer.b);
}

function features(extractor: Params["extractor"], x: Tensor): Tensor {
  return relu(dense(extractor.out, relu(dense(extractor.hidden, x))));
}

function domainLogits(domain: Params["domain"], h: Tensor): Tensor {
  return dense(domain.out, relu(dense(domain.hidden, h)));
}

/** Mean cross-entropy of logits against one-hot targets. */
function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return neg(mean(sum(mul(targets, logSoftmax(logits)), 1)));
}

/**
 * The label loss on a labelled source batch plus the domain loss on a batch of both
 * domains, whose features reach the domain classifier through reverseGradient(h, lambda).
 */
function loss(p: Params, source: Tensor, sourceLabels: Tensor, both: Tensor, domains: Tensor, lambda: number): Tensor {
  const labelLogits = dense(p.label, features(p.extractor, source));
  const h = reverseGradient(features(p.extractor, both), lambda);
  return add(crossEntropy(labelLogits, sourceLabels), crossEntropy(domainLogits(p.domain, h), domains));
}

// The gradient has the parameters' structure: Gradient<Params>, which the optimizer takes as it is.
const lossAndGrad = valueAndGrad(loss);

// ---- training ----

export interface Epoch {
  readonly epoch: number;
  readonly lambda: number;
  readonly loss: number;
  readonly sourceAccuracy: number;
  readonly targetAccuracy: number;
  /** How well the domain classifier tells source from target on all points: 0.5 is chance. */
  readonly domainAccuracy: number;
}

export interface Config {
  readonly epochs: number;
  /** Multiplies Ganin's schedule 2 / (1 + e^(−10p)) − 1 over training progress p; 0 turns the reversal off. */
  readonly lambdaScale: number;
  readonly points?: number;
  readonly batch?: number;
  readonly rotation?: number;
  readonly seed?: number;
}

function rows(x: Tensor): number[][] {
  return x.toArray() as number[][];
}

function accuracy(logits: Tensor, labels: readonly number[]): number {
  const predicted = argmax(logits).data;
  return labels.filter((l, i) => predicted[i] === l).length / labels.length;
}

/** A seeded permutation of 0..n−1 (Fisher–Yates on the runtime's generator). */
function shuffled(n: number, seed: number): number[] {
  const r = randomUniform([n], { seed }).data;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r[i]! * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export function train(config: Config): Epoch[] {
  const { epochs, lambdaScale, points = 300, batch = 50, rotation = (40 * Math.PI) / 180, seed = 7 } = config;
  const source = moons(points, 0, seed);
  const target = moons(points, rotation, seed + 100);
  const sourceLabels = oneHot(source.labels);
  let params = initParams(seed + 200);
  const optimizer = adam({ lr: 0.01 });
  let state = optimizer.init(params);
  const history: Epoch[] = [];
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
      const { value, grad } = lossAndGrad(params, xs, ys, both, domains, lambda);
      total += value.item();
      ({ params, state } = optimizer.step(params, grad, state));
    }
    const predict = (x: Tensor) => dense(params.label, features(params.extractor, x));
    const allPoints = tensor([...rows(source.x), ...rows(target.x)]);
    history.push({
      epoch: epoch + 1,
      lambda,
      loss: total / batches,
      sourceAccuracy: accuracy(predict(source.x), source.labels),
      targetAccuracy: accuracy(predict(target.x), target.labels),
      domainAccuracy: accuracy(domainLogits(params.domain, features(params.extractor, allPoints)), [
        ...source.labels.map(() => 0),
        ...target.labels.map(() => 1),
      ]),
    });
  }
  return history;
}

// ---- the plot ----

/** Both runs' target and domain accuracy per epoch, as an SVG line chart. */
export function plot(runs: { name: string; history: Epoch[]; color: string }[]): string {
  const [width, height, left, right, top, bottom] = [820, 400, 60, 250, 30, 50];
  const epochs = Math.max(...runs.map((r) => r.history.length));
  const x = (e: number) => left + ((e - 1) / Math.max(1, epochs - 1)) * (width - left - right);
  const y = (a: number) => top + (1 - a) * (height - top - bottom);
  const line = (h: Epoch[], key: "targetAccuracy" | "domainAccuracy") =>
    h.map((p) => `${x(p.epoch).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (a) =>
      `<line x1="${left}" y1="${y(a)}" x2="${width - right}" y2="${y(a)}" stroke="#ddd"/>` +
      `<text x="${left - 8}" y="${y(a) + 4}" text-anchor="end" font-size="12">${a.toFixed(2)}</text>`,
  );
  const step = Math.max(1, Math.ceil(epochs / 60) * 10);
  const ticks = Array.from({ length: Math.floor(epochs / step) + 1 }, (_, k) => Math.max(1, k * step)).map(
    (e) => `<text x="${x(e)}" y="${height - bottom + 18}" text-anchor="middle" font-size="12">${e}</text>`,
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
  const pct = (a: number) => `${(100 * a).toFixed(1)}%`.padStart(7);
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
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const out = path.join(__dirname, "..", "out");
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "dann.svg"), plot(runs));
  const [dann, baseline] = runs.map((r) => r.history[r.history.length - 1]!);
  console.log(
    `\ntarget accuracy ${pct(dann!.targetAccuracy)} with reversal vs ${pct(baseline!.targetAccuracy)} without; ` +
      `domain classifier ${pct(dann!.domainAccuracy)} vs ${pct(baseline!.domainAccuracy)}. Plot: examples/out/dann.svg`,
  );
}
