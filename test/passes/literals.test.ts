import { describe, expect, it } from "vitest";
import { inlineLiteralVariables } from "../../transformer/passes/literals";
import { code, parse, print } from "./spec";

const run = (text: string): string => print(inlineLiteralVariables(parse(text)));
const unchanged = (text: string): void => {
  const body = parse(text);
  expect(inlineLiteralVariables(body)).toBe(body);
};

describe("inlineLiteralVariables", () => {
  it("replaces a variable declared once with a literal and never assigned, at every depth, folded", () => {
    expect(run(`let ds = 1; let dx = 0; while (trip > 0) { trip = trip - 1; dx += ds * x; } return dx;`)).toBe(
      code(`let dx = 0; while (trip > 0) { trip = trip - 1; dx += x; } return dx;`),
    );
    expect(run(`const two = 2; return two + 3;`)).toBe(code(`return 5;`));
  });

  it("leaves a variable assigned again (an accumulator still updated)", () => {
    unchanged(`let ds = 1; while (c) { ds += x; } return ds;`);
  });

  it("leaves a name declared twice (the backward sweep reusing a primal name)", () => {
    unchanged(`const a = 1; while (c) { const a = x; y = a; } return a;`);
  });

  it("leaves a literal read inside an expression kept as written, where substitution cannot reach", () => {
    unchanged(`const a = 1; return opaque(g(a));`);
  });

  it("looks for the literals in the function's own block only", () => {
    unchanged(`while (c) { const a = 1; y = a * x; } return y;`);
  });
});
