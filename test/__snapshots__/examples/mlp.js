// A multilayer perceptron on the two-spirals problem. The network is an array of dense
// layers, applied with `layers.reduce(...)`: tanh on every hidden layer, the last one
// linear (the logits). The transformer differentiates through the reduce (lowered to a
// loop, the accumulator carried), so the gradient is an array of `{ w, b }` like the
// parameters, which Adam takes as it is. The data are two interleaved Archimedean spirals
// with a little noise, trained with shuffled minibatches and a cosine-decayed learning
// rate. Prints the loss and training accuracy per epoch and writes two SVGs to
// examples/out/: the loss curve (mlp-loss.svg) and the decision boundary with the points
// on top (mlp-boundary.svg).
import {
  adam,
  add,
  argmax,
  cosineDecay,
  exp,
  gather,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  randomNormal,
  randomUniform,
  sum,
  tanh,
  tensor,
  valueAndGrad,
} from "adjoint";
import * as adjoint from "adjoint/internal";
/**
 * `n` points per spiral on two interleaved Archimedean spirals r = θ / (2π·turns) of
 * `turns` turns, the second the first turned by π, with Gaussian noise of standard
 * deviation `noise` (radius 1 at the end), then standardised. Labels alternate 0, 1, 0, ...
 */
export function spirals(n, turns, noise, seed) {
  // √u spreads the points evenly along the arc, which is longer far from the centre.
  const u = randomUniform([2 * n], { seed }).data;
  const eps = randomNormal([2 * n, 2], { seed: seed + 1 }).data;
  const raw = [];
  const labels = [];
  for (let i = 0; i < 2 * n; i++) {
    const label = i % 2;
    const r = 0.05 + 0.95 * Math.sqrt(u[i]);
    const angle = 2 * Math.PI * turns * r + Math.PI * label;
    raw.push([
      r * Math.cos(angle) + noise * eps[2 * i],
      r * Math.sin(angle) + noise * eps[2 * i + 1],
    ]);
    labels.push(label);
  }
  const stats = [0, 1].map((d) => {
    const m = raw.reduce((s, p) => s + p[d], 0) / raw.length;
    return { m, s: Math.sqrt(raw.reduce((s, p) => s + (p[d] - m) ** 2, 0) / raw.length) };
  });
  return { x: tensor(raw.map((p) => p.map((v, d) => (v - stats[d].m) / stats[d].s))), labels };
}
function oneHot(labels) {
  return tensor(labels.map((l) => [l === 0 ? 1 : 0, l === 1 ? 1 : 0]));
}
/** Layers of the given widths (e.g. [2, 32, 32, 2]), Glorot-normal weights and zero biases. */
export function initParams(widths, seed) {
  const layers = [];
  for (let k = 0; k + 1 < widths.length; k++) {
    const [fanIn, fanOut] = [widths[k], widths[k + 1]];
    layers.push({
      w: mul(randomNormal([fanIn, fanOut], { seed: seed + k }), Math.sqrt(2 / (fanIn + fanOut))),
      b: tensor(new Float64Array(fanOut)),
    });
  }
  return { layers };
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
/** The logits: tanh after every layer but the last. */
export function forward(p, x) {
  return p.layers.reduce((h, layer, i) => {
    const z = dense(layer, h);
    return i < p.layers.length - 1 ? tanh(z) : z;
  }, x);
}
function forward_forward(p, x) {
  const layers = p.layers;
  let i = 0;
  let h = x;
  const zTape = [];
  const zBackTape = [];
  let trips = 0;
  while (i < layers.length) {
    const layer = layers[i];
    const [z, zBack] = dense_forward_layer_x(layer, h);
    zTape[trips] = z;
    zBackTape[trips] = zBack;
    let t3;
    if (i < p.layers.length - 1) {
      t3 = adjoint.tanh(z);
    } else {
      t3 = z;
    }
    i = i + 1;
    h = t3;
    trips = trips + 1;
  }
  return [
    h,
    (seed2) => {
      const dLayers = adjoint.zerosLikeTree(layers);
      let dh = seed2;
      let trip = trips;
      while (trip > 0) {
        trip = trip - 1;
        const z = zTape[trip];
        const zBack2 = zBackTape[trip];
        let t2;
        if (trip < p.layers.length - 1) {
          t2 = adjoint.tanh(z);
        }
        const dhNext = dh;
        let dz = 0;
        if (trip < p.layers.length - 1) {
          if (adjoint.sameShapes(dhNext, t2)) {
            const dhNexts = dhNext.data;
            const t2s = t2.data;
            dz = adjoint.fusedResult(dhNext, t2);
            const dzs = dz.data;
            const n2 = dzs.length;
            for (let i2 = 0; i2 < n2; i2++) {
              const dhNexti = dhNexts[i2];
              const t2i = t2s[i2];
              const squarei = t2i * t2i;
              const subi = 1 - squarei;
              dzs[i2] = dhNexti * subi;
            }
          } else {
            dz = adjoint.mul(dhNext, adjoint.sub(1, adjoint.square(t2)));
          }
        } else {
          dz = dhNext;
        }
        const [dLayer, dh2] = zBack2(dz);
        adjoint.addInto(dLayers, trip, dLayer);
        dh = dh2;
      }
      return adjoint.structureGradient(p, { layers: dLayers });
    },
  ];
}
/** Mean cross-entropy of the network's logits against one-hot targets. */
export function loss(p, x, targets) {
  return neg(mean(sum(mul(targets, logSoftmax(forward(p, x))), 1)));
}
function loss_valueAndGrad(p, x, targets) {
  const layers = p.layers;
  const [forwardValue, forwardBack] = forward_forward(p, x);
  const t2 = adjoint.logSoftmax(forwardValue);
  const t3 = adjoint.mul(targets, t2);
  const t4 = adjoint.sum(t3, 1);
  const dLayers = adjoint.zerosLikeTree(layers);
  const dp = forwardBack(
    adjoint.logSoftmaxGrad(
      adjoint.unbroadcast(
        adjoint.mul(
          adjoint.sumGrad(adjoint.div(-1, adjoint.reductionSize(t4)), t3, t4, 1),
          targets,
        ),
        t2,
        targets,
      ),
      t2,
    ),
  );
  adjoint.addTreeInto(dLayers, dp.layers);
  return {
    value: adjoint.neg(adjoint.mean(t4)),
    grad: adjoint.structureGradient(p, { layers: dLayers }),
  };
}
// The gradient has the parameters' structure: { layers: { w, b }[] }. Exported for the test.
export const lossAndGrad = loss_valueAndGrad;
export function accuracy(logits, labels) {
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
export function train(config = {}) {
  const {
    epochs = 100,
    points = 200,
    turns = 1.75,
    noise = 0.03,
    hidden = [32, 32],
    batch = 40,
    lr = 0.05,
    seed = 1,
  } = config;
  const data = spirals(points, turns, noise, seed);
  const targets = oneHot(data.labels);
  const n = data.labels.length;
  const batches = Math.floor(n / batch);
  let params = initParams([2, ...hidden, 2], seed + 100);
  const optimizer = adam({ lr: cosineDecay(lr, epochs * batches, 0.05) });
  let state = optimizer.init(params);
  const history = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffled(n, seed * 1000 + epoch);
    let total = 0;
    for (let b = 0; b < batches; b++) {
      const rows = order.slice(b * batch, (b + 1) * batch);
      const { value, grad } = lossAndGrad(params, gather(data.x, rows), gather(targets, rows));
      total += value.item();
      ({ params, state } = optimizer.step(params, grad, state));
    }
    history.push({
      epoch: epoch + 1,
      loss: total / batches,
      accuracy: accuracy(forward(params, data.x), data.labels),
    });
  }
  return { data, params, history };
}
// ---- the plots ----
const COLORS = ["#1f77b4", "#d62728"]; // spiral 0, spiral 1
/** The loss (left axis) and the training accuracy (right axis) per epoch, as an SVG line chart. */
export function plotLoss(history) {
  const [width, height, left, right, top, bottom] = [760, 400, 60, 60, 40, 50];
  const epochs = history.length;
  // The loss axis in four steps of 1, 2, 2.5 or 5 times a power of ten.
  const quarter = Math.max(...history.map((e) => e.loss)) / 4;
  const power = 10 ** Math.floor(Math.log10(quarter));
  const maxLoss = 4 * power * [1, 2, 2.5, 5, 10].find((m) => m * power >= quarter);
  const x = (e) => left + ((e - 1) / Math.max(1, epochs - 1)) * (width - left - right);
  const yLoss = (l) => top + (1 - l / maxLoss) * (height - top - bottom);
  const yAcc = (a) => top + (1 - a) * (height - top - bottom);
  const line = (y, key) =>
    history.map((e) => `${x(e.epoch).toFixed(1)},${y(e[key]).toFixed(1)}`).join(" ");
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<line x1="${left}" y1="${yAcc(f)}" x2="${width - right}" y2="${yAcc(f)}" stroke="#ddd"/>` +
      `<text x="${left - 8}" y="${yAcc(f) + 4}" text-anchor="end" font-size="12" fill="${COLORS[0]}">${+(f * maxLoss).toPrecision(3)}</text>` +
      `<text x="${width - right + 8}" y="${yAcc(f) + 4}" font-size="12" fill="${COLORS[1]}">${(100 * f).toFixed(0)}%</text>`,
  );
  const step = Math.max(1, Math.ceil(epochs / 60) * 10);
  const ticks = Array.from({ length: Math.floor(epochs / step) + 1 }, (_, k) =>
    Math.max(1, k * step),
  ).map(
    (e) =>
      `<text x="${x(e)}" y="${height - bottom + 18}" text-anchor="middle" font-size="12">${e}</text>`,
  );
  const legend = [
    {
      label: "loss (mean over minibatches)",
      color: COLORS[0],
      y: top + 0.4 * (height - top - bottom),
    },
    { label: "training accuracy", color: COLORS[1], y: top + 0.4 * (height - top - bottom) + 20 },
  ].map(
    (l) =>
      `<line x1="${width - right - 230}" y1="${l.y}" x2="${width - right - 200}" y2="${l.y}" stroke="${l.color}" stroke-width="2"/>` +
      `<text x="${width - right - 194}" y="${l.y + 4}" font-size="12">${l.label}</text>`,
  );
  const mid = (top + height - bottom) / 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14">MLP on two spirals: cross-entropy and accuracy per epoch</text>`,
    ...grid,
    ...ticks,
    `<rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}" fill="none" stroke="#999"/>`,
    `<text x="16" y="${mid}" font-size="12" transform="rotate(-90 16 ${mid})" text-anchor="middle" fill="${COLORS[0]}">loss</text>`,
    `<text x="${width - 12}" y="${mid}" font-size="12" transform="rotate(90 ${width - 12} ${mid})" text-anchor="middle" fill="${COLORS[1]}">accuracy</text>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle" font-size="12">epoch</text>`,
    `<polyline fill="none" stroke="${COLORS[0]}" stroke-width="2" points="${line(yLoss, "loss")}"/>`,
    `<polyline fill="none" stroke="${COLORS[1]}" stroke-width="2" points="${line(yAcc, "accuracy")}"/>`,
    ...legend,
    `</svg>`,
  ].join("\n");
}
/** Mixes two "#rrggbb" colours, t = 0 giving `a` and t = 1 giving `b`. */
function mix(a, b, t) {
  const channel = (c, k) => parseInt(c.slice(1 + 2 * k, 3 + 2 * k), 16);
  const hex = [0, 1, 2].map((k) =>
    Math.round(channel(a, k) + (channel(b, k) - channel(a, k)) * t)
      .toString(16)
      .padStart(2, "0"),
  );
  return `#${hex.join("")}`;
}
/**
 * The decision boundary: a `cells` × `cells` grid over the data, each cell shaded by the
 * network's probability of spiral 1 (in ten steps, a row's equal neighbours merged into one
 * rectangle; lightest at 50%, the boundary), and the data points on top in their spiral's colour.
 */
export function plotBoundary(params, data, cells = 100) {
  const [size, margin, legendWidth] = [560, 40, 180];
  const coords = data.x.toArray();
  const extent = Math.max(...coords.map((p) => Math.max(Math.abs(p[0]), Math.abs(p[1])))) * 1.1;
  const px = (v) => margin + ((v + extent) / (2 * extent)) * size;
  const py = (v) => margin + ((extent - v) / (2 * extent)) * size;
  const cell = size / cells;
  const centre = (k) => -extent + ((k + 0.5) / cells) * 2 * extent;
  const grid = [];
  for (let r = 0; r < cells; r++)
    for (let c = 0; c < cells; c++) grid.push([centre(c), -centre(r)]);
  // The probability of spiral 1 is the softmax's second column.
  const probability = exp(logSoftmax(forward(params, tensor(grid)))).data;
  const level = (r, c) => Math.min(9, Math.floor(10 * probability[2 * (r * cells + c) + 1]));
  // Light near 50% (the boundary), deeper towards either spiral's colour with confidence.
  const shade = (l) => {
    const t = (l + 0.5) / 10;
    return mix("#ffffff", t < 0.5 ? COLORS[0] : COLORS[1], 0.1 + 0.9 * Math.abs(2 * t - 1) * 0.55);
  };
  const rects = [];
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells;) {
      const l = level(r, c);
      let end = c + 1;
      while (end < cells && level(r, end) === l) end++;
      rects.push(
        `<rect x="${(margin + c * cell).toFixed(1)}" y="${(margin + r * cell).toFixed(1)}" width="${((end - c) * cell).toFixed(1)}" height="${cell.toFixed(1)}" fill="${shade(l)}"/>`,
      );
      c = end;
    }
  }
  const dots = coords.map(
    (p, i) =>
      `<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${COLORS[data.labels[i]]}" stroke="white" stroke-width="0.8"/>`,
  );
  const lx = margin + size + 20;
  const legend = [
    ...[0, 1].map(
      (k) =>
        `<circle cx="${lx + 6}" cy="${margin + 16 + 22 * k}" r="4" fill="${COLORS[k]}" stroke="white"/>` +
        `<text x="${lx + 18}" y="${margin + 20 + 22 * k}" font-size="12">spiral ${k}</text>`,
    ),
    `<text x="${lx}" y="${margin + 80}" font-size="12">P(spiral 1)</text>`,
    ...Array.from(
      { length: 10 },
      (_, l) =>
        `<rect x="${lx}" y="${margin + 90 + 16 * (9 - l)}" width="24" height="16" fill="${shade(l)}"/>` +
        (l % 3 === 0 || l === 9
          ? `<text x="${lx + 30}" y="${margin + 102 + 16 * (9 - l)}" font-size="11">${l * 10}–${l * 10 + 10}%</text>`
          : ""),
    ),
  ];
  const width = margin + size + legendWidth;
  const height = 2 * margin + size;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin}" y="24" font-size="14">MLP decision boundary on two spirals (standardised inputs)</text>`,
    `<g shape-rendering="crispEdges">`,
    ...rects,
    `</g>`,
    `<rect x="${margin}" y="${margin}" width="${size}" height="${size}" fill="none" stroke="#999"/>`,
    `<text x="${margin + size / 2}" y="${height - 12}" text-anchor="middle" font-size="12">x₁</text>`,
    `<text x="${margin - 14}" y="${margin + size / 2}" text-anchor="middle" font-size="12">x₂</text>`,
    ...dots,
    ...legend,
    `</svg>`,
  ].join("\n");
}
if (require.main === module) {
  const start = Date.now();
  const { data, params, history } = train();
  const seconds = (Date.now() - start) / 1000;
  console.log("epoch   loss   accuracy");
  for (const e of history) {
    if (e.epoch % 5 === 0 || e.epoch === 1) {
      console.log(
        `${String(e.epoch).padStart(5)}  ${e.loss.toFixed(4)}  ${`${(100 * e.accuracy).toFixed(1)}%`.padStart(7)}`,
      );
    }
  }
  const fs = require("node:fs");
  const path = require("node:path");
  const out = path.join(__dirname, "..", "out");
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "mlp-loss.svg"), plotLoss(history));
  fs.writeFileSync(path.join(out, "mlp-boundary.svg"), plotBoundary(params, data));
  const last = history[history.length - 1];
  console.log(
    `\n${data.labels.length} points, ${params.layers.length} layers, ${history.length} epochs in ${seconds.toFixed(1)} s: ` +
      `training accuracy ${(100 * last.accuracy).toFixed(1)}%. Plots: examples/out/mlp-loss.svg, examples/out/mlp-boundary.svg`,
  );
}
