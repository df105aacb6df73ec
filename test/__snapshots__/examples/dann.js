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
  const layer = (fanIn, fanOut, k) => ({
    w: mul(randomNormal([fanIn, fanOut], { seed: seed + k }), Math.sqrt(2 / fanIn)),
    b: tensor(new Float64Array(fanOut)),
  });
  return {
    extractor: { hidden: layer(2, 32, 1), out: layer(32, 16, 2) },
    label: layer(16, 2, 3),
    domain: { hidden: layer(16, 16, 4), out: layer(16, 2, 5) },
  };
}
function dense(layer, x) {
  return add(matmul(x, layer.w), layer.b);
}
function dense_forward_layer_x(layer, x) {
  const w = layer.w;
  const b = layer.b;
  const t1 = adjoint.matmul(x, w);
  return [
    adjoint.add(t1, b),
    (seed2) => {
      const dt1 = adjoint.unbroadcast(seed2, t1, b);
      const dx = adjoint.matmulGradA(dt1, x, w);
      return [
        adjoint.structureGradient(layer, {
          w: adjoint.fitGradient(adjoint.matmulGradB(dt1, x, w), w),
          b: adjoint.fitGradient(adjoint.unbroadcast(seed2, b, t1), b),
        }),
        adjoint.fitGradient(dx, x),
      ];
    },
  ];
}
function dense_forward(layer, x) {
  const w = layer.w;
  const b = layer.b;
  const t1 = adjoint.matmul(x, w);
  return [
    adjoint.add(t1, b),
    (seed2) => {
      return adjoint.structureGradient(layer, {
        w: adjoint.fitGradient(adjoint.matmulGradB(adjoint.unbroadcast(seed2, t1, b), x, w), w),
        b: adjoint.fitGradient(adjoint.unbroadcast(seed2, b, t1), b),
      });
    },
  ];
}
function features(extractor, x) {
  return relu(dense(extractor.out, relu(dense(extractor.hidden, x))));
}
function features_forward(extractor, x) {
  const out = extractor.out;
  const hidden = extractor.hidden;
  const hiddenW = hidden.w;
  const hiddenB = hidden.b;
  const outW = out.w;
  const outB = out.b;
  const [denseValue, denseBack] = dense_forward(hidden, x);
  const [denseValue2, denseBack2] = dense_forward_layer_x(out, adjoint.relu(denseValue));
  return [
    adjoint.relu(denseValue2),
    (seed2) => {
      const [dOut, dt2] = denseBack2(adjoint.mul(seed2, adjoint.greater(denseValue2, 0)));
      const dHidden = denseBack(adjoint.mul(dt2, adjoint.greater(denseValue, 0)));
      return adjoint.structureGradient(extractor, {
        out: { w: adjoint.fitGradient(dOut.w, outW), b: adjoint.fitGradient(dOut.b, outB) },
        hidden: {
          w: adjoint.fitGradient(dHidden.w, hiddenW),
          b: adjoint.fitGradient(dHidden.b, hiddenB),
        },
      });
    },
  ];
}
function domainLogits(domain, h) {
  return dense(domain.out, relu(dense(domain.hidden, h)));
}
function domainLogits_forward_domain_h(domain, h) {
  const out = domain.out;
  const hidden = domain.hidden;
  const hiddenW = hidden.w;
  const hiddenB = hidden.b;
  const outW = out.w;
  const outB = out.b;
  const [denseValue, denseBack] = dense_forward_layer_x(hidden, h);
  const [denseValue2, denseBack2] = dense_forward_layer_x(out, adjoint.relu(denseValue));
  return [
    denseValue2,
    (seed2) => {
      const [dOut, dt2] = denseBack2(seed2);
      const [dHidden, dh] = denseBack(adjoint.mul(dt2, adjoint.greater(denseValue, 0)));
      return [
        adjoint.structureGradient(domain, {
          out: { w: adjoint.fitGradient(dOut.w, outW), b: adjoint.fitGradient(dOut.b, outB) },
          hidden: {
            w: adjoint.fitGradient(dHidden.w, hiddenW),
            b: adjoint.fitGradient(dHidden.b, hiddenB),
          },
        }),
        adjoint.fitGradient(dh, h),
      ];
    },
  ];
}
/** Mean cross-entropy of logits against one-hot targets. */
function crossEntropy(logits, targets) {
  return neg(mean(sum(mul(targets, logSoftmax(logits)), 1)));
}
function crossEntropy_forward(logits, targets) {
  const t1 = adjoint.logSoftmax(logits);
  const t2 = adjoint.mul(targets, t1);
  const t3 = adjoint.sum(t2, 1);
  return [
    adjoint.neg(adjoint.mean(t3)),
    (seed2) => {
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
    },
  ];
}
/**
 * The label loss on a labelled source batch plus the domain loss on a batch of both
 * domains, whose features reach the domain classifier through reverseGradient(h, lambda).
 */
function loss(p, source, sourceLabels, both, domains, lambda) {
  const labelLogits = dense(p.label, features(p.extractor, source));
  const h = reverseGradient(features(p.extractor, both), lambda);
  return add(
    crossEntropy(labelLogits, sourceLabels),
    crossEntropy(domainLogits(p.domain, h), domains),
  );
}
function loss_valueAndGrad(p, source, sourceLabels, both, domains, lambda) {
  const label = p.label;
  const extractor = p.extractor;
  const extractorHidden = extractor.hidden;
  const extractorHiddenW = extractorHidden.w;
  const extractorHiddenB = extractorHidden.b;
  const extractorOut = extractor.out;
  const extractorOutW = extractorOut.w;
  const extractorOutB = extractorOut.b;
  const labelW = label.w;
  const labelB = label.b;
  const domain = p.domain;
  const domainHidden = domain.hidden;
  const domainHiddenW = domainHidden.w;
  const domainHiddenB = domainHidden.b;
  const domainOut = domain.out;
  const domainOutW = domainOut.w;
  const domainOutB = domainOut.b;
  const [featuresValue, featuresBack] = features_forward(extractor, source);
  const [labelLogits, labelLogitsBack] = dense_forward_layer_x(label, featuresValue);
  const [featuresValue2, featuresBack2] = features_forward(extractor, both);
  const [crossEntropyValue, crossEntropyBack] = crossEntropy_forward(labelLogits, sourceLabels);
  const [domainLogitsValue, domainLogitsBack] = domainLogits_forward_domain_h(
    domain,
    featuresValue2,
  );
  const [crossEntropyValue2, crossEntropyBack2] = crossEntropy_forward(domainLogitsValue, domains);
  const [dDomain, dh] = domainLogitsBack(crossEntropyBack2(1));
  const dExtractor = featuresBack2(adjoint.neg(adjoint.mul(lambda, dh)));
  const [dLabel, dt1] = labelLogitsBack(crossEntropyBack(1));
  const dExtractor2 = featuresBack(dt1);
  return {
    value: adjoint.add(crossEntropyValue, crossEntropyValue2),
    grad: adjoint.structureGradient(p, {
      label: { w: adjoint.fitGradient(dLabel.w, labelW), b: adjoint.fitGradient(dLabel.b, labelB) },
      extractor: {
        hidden: {
          w: adjoint.fitGradient(
            adjoint.add(dExtractor.hidden.w, dExtractor2.hidden.w),
            extractorHiddenW,
          ),
          b: adjoint.fitGradient(
            adjoint.add(dExtractor.hidden.b, dExtractor2.hidden.b),
            extractorHiddenB,
          ),
        },
        out: {
          w: adjoint.fitGradient(adjoint.add(dExtractor.out.w, dExtractor2.out.w), extractorOutW),
          b: adjoint.fitGradient(adjoint.add(dExtractor.out.b, dExtractor2.out.b), extractorOutB),
        },
      },
      domain: {
        hidden: {
          w: adjoint.fitGradient(dDomain.hidden.w, domainHiddenW),
          b: adjoint.fitGradient(dDomain.hidden.b, domainHiddenB),
        },
        out: {
          w: adjoint.fitGradient(dDomain.out.w, domainOutW),
          b: adjoint.fitGradient(dDomain.out.b, domainOutB),
        },
      },
    }),
  };
}
// The gradient has the parameters' structure: Gradient<Params>, which the optimizer takes as it is.
const lossAndGrad = loss_valueAndGrad;
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
  const optimizer = adam({ lr: 0.01 });
  let state = optimizer.init(params);
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
      const { value, grad } = lossAndGrad(params, xs, ys, both, domains, lambda);
      total += value.item();
      ({ params, state } = optimizer.step(params, grad, state));
    }
    const predict = (x) => dense(params.label, features(params.extractor, x));
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
