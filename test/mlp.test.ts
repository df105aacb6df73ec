// The multilayer perceptron example (examples/mlp.ts), trained as `npm run demo` trains it
// (deterministic seeds): it must fit the two spirals, its gradient through
// `layers.reduce(...)` must match central differences leaf by leaf, and its two plots
// must be SVGs of the expected shape.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isTensor, mapLeaves, randomNormal, tensor, Tensor, type Leaf } from "../runtime";
import { compile, expectClose } from "./harness";

interface Epoch {
  epoch: number;
  loss: number;
  accuracy: number;
}

/** A copy of `tree` with element `j` of its `k`-th leaf (in mapLeaves order) moved by `delta`. */
function moved<T>(tree: T, k: number, j: number, delta: number): T {
  let leaf = -1;
  return mapLeaves((x: Leaf) => {
    leaf++;
    const copy = new Tensor(Float64Array.from((x as Tensor).data), (x as Tensor).shape);
    if (leaf === k) copy.data[j]! += delta;
    return copy;
  }, tree) as T;
}

describe("examples/mlp.ts", () => {
  const compiled = compile(
    { "main.ts": readFileSync(path.resolve(__dirname, "../examples/mlp.ts"), "utf8") },
    { types: ["node"] },
  );

  it("compiles without diagnostics", () => {
    expect(compiled.codes).toEqual([]);
    expect(compiled.typeErrors).toEqual([]);
  });

  it("fits the two spirals: training accuracy above 95%, the loss falling", () => {
    const { train } = compiled.run();
    const { history, params, data } = train() as { history: Epoch[]; params: any; data: any };
    expect(history).toHaveLength(100);
    expect(history.map((e) => e.epoch)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const first = history[0]!;
    const last = history[history.length - 1]!;
    expect(last.accuracy).toBeGreaterThan(0.95);
    expect(last.loss).toBeLessThan(first.loss / 5);
    // Falling over the run as a whole: each quarter's mean loss below the previous one's.
    const quarters = [0, 1, 2, 3].map((q) => history.slice(25 * q, 25 * (q + 1)).reduce((s, e) => s + e.loss, 0) / 25);
    for (let q = 1; q < 4; q++) expect(quarters[q]).toBeLessThan(quarters[q - 1]!);
    // 2 → 32 → 32 → 2 on 400 points, the labels balanced.
    expect(params.layers.map((l: { w: Tensor }) => l.w.shape)).toEqual([
      [2, 32],
      [32, 32],
      [32, 2],
    ]);
    expect(data.x.shape).toEqual([400, 2]);
    expect(data.labels.filter((l: number) => l === 1)).toHaveLength(200);
  });

  it("the gradient through layers.reduce matches central differences on every leaf", () => {
    const { initParams, spirals, loss, lossAndGrad } = compiled.run();
    const data = spirals(6, 1.75, 0.03, 5);
    const targets = tensor((data.labels as number[]).map((l) => [l === 0 ? 1 : 0, l]));
    // Two hidden tanh layers and a linear one, and a single (linear) layer alone.
    for (const widths of [
      [2, 3, 4, 2],
      [2, 2],
    ]) {
      const { layers } = initParams(widths, 11) as { layers: { w: Tensor; b: Tensor }[] };
      // Nonzero biases, so that their gradients are not taken at a special point.
      const params = {
        layers: layers.map(({ w, b }, k) => ({ w, b: randomNormal(b.shape, { seed: 20 + k, std: 0.1 }) })),
      };
      const { value, grad } = lossAndGrad(params, data.x, targets);
      expectClose(value.item(), loss(params, data.x, targets).item(), 1e-12);
      expect(grad.layers).toHaveLength(widths.length - 1);
      let k = -1;
      mapLeaves(
        (x: Leaf, g: Leaf) => {
          k++;
          const t = x as Tensor;
          expect(isTensor(g)).toBe(true);
          expect((g as Tensor).shape).toEqual(t.shape);
          for (let j = 0; j < t.size; j++) {
            const h = 1e-6;
            const up = loss(moved(params, k, j, h), data.x, targets).item();
            const down = loss(moved(params, k, j, -h), data.x, targets).item();
            expectClose((g as Tensor).data[j]!, (up - down) / (2 * h), 1e-6);
          }
          return 0;
        },
        params,
        grad,
      );
      expect(k).toBe(2 * (widths.length - 1) - 1);
    }
  });

  it("plots the loss curve and the decision boundary as SVG", () => {
    const { plotLoss, plotBoundary, initParams, spirals } = compiled.run();
    const history = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, accuracy: 0.5 + 0.1 * epoch }));
    const lossSvg = plotLoss(history) as string;
    expect(lossSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(lossSvg).toMatch(/<\/svg>$/);
    expect(lossSvg.match(/<polyline/g)).toHaveLength(2);
    const points = (n: number) => lossSvg.match(/<polyline[^>]*points="([^"]*)"/g)![n]!.split(" ").length;
    expect(points(0)).toBeGreaterThanOrEqual(3);

    const data = spirals(10, 1.75, 0.03, 3);
    const cells = 20;
    const boundarySvg = plotBoundary(initParams([2, 8, 2], 4), data, cells) as string;
    expect(boundarySvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(boundarySvg).toMatch(/<\/svg>$/);
    // Every data point and the legend's two markers.
    expect(boundarySvg.match(/<circle/g)).toHaveLength(20 + 2);
    // At least one rectangle per grid row (equal neighbours merged), at most one per cell,
    // besides the background, the frame and the legend's ten swatches.
    const rects = boundarySvg.match(/<rect/g)!.length - 12;
    expect(rects).toBeGreaterThanOrEqual(cells);
    expect(rects).toBeLessThanOrEqual(cells * cells);
  });
});
