// The domain-adversarial example, trained as `npm run demo` trains it (deterministic
// seeds), asserting the direction of the effect: with gradient reversal the domain
// classifier does worse and the target accuracy better than with lambda = 0.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "./harness";

interface Epoch {
  sourceAccuracy: number;
  targetAccuracy: number;
  domainAccuracy: number;
}

describe("examples/dann.ts", () => {
  const compiled = compile(
    { "main.ts": readFileSync(path.resolve(__dirname, "../examples/dann.ts"), "utf8") },
    { types: ["node"] },
  );

  it("compiles without diagnostics", () => {
    expect(compiled.codes).toEqual([]);
    expect(compiled.typeErrors).toEqual([]);
  });

  it("gradient reversal confuses the domain classifier and carries the labels over to the target", () => {
    const { train } = compiled.run();
    const dann = train({ epochs: 60, lambdaScale: 1 }) as Epoch[];
    const baseline = train({ epochs: 60, lambdaScale: 0 }) as Epoch[];
    const last = (h: Epoch[], key: keyof Epoch) => h.slice(-5).reduce((s, e) => s + e[key], 0) / 5;
    // Both learn the source.
    expect(last(dann, "sourceAccuracy")).toBeGreaterThan(0.95);
    expect(last(baseline, "sourceAccuracy")).toBeGreaterThan(0.95);
    // The effect, with a margin.
    expect(last(dann, "targetAccuracy")).toBeGreaterThan(last(baseline, "targetAccuracy") + 0.1);
    expect(last(dann, "domainAccuracy")).toBeLessThan(last(baseline, "domainAccuracy") - 0.1);
  });

  it("plots both runs as SVG", () => {
    const { plot } = compiled.run();
    const history = [{ epoch: 1, lambda: 0, loss: 1, sourceAccuracy: 0.5, targetAccuracy: 0.5, domainAccuracy: 0.5 }];
    const svg = plot([{ name: "a", history, color: "red" }]) as string;
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });
});
