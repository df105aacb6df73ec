import { describe, expect, it } from "vitest";
import { dropIdentityShuffles } from "../../transformer/passes/identity-shuffles";
import { code, parse, print } from "./spec";

const run = (text: string): string => print(dropIdentityShuffles(parse(text)));
const unchanged = (text: string): void => {
  const body = parse(text);
  expect(dropIdentityShuffles(body)).toBe(body);
};

describe("dropIdentityShuffles", () => {
  it("lets an iteration read the carried adjoint itself and assign it once, at its end", () => {
    expect(run(`while (trip > 0) { const dyNext = dy; dy = 0; dx += dyNext * y; dy += dyNext * x; } return dx;`)).toBe(
      code(`while (trip > 0) { dx += dy * y; dy = dy * x; } return dx;`),
    );
  });

  it("sums several updates into that one assignment", () => {
    expect(run(`const dyNext = dy; dy = 0; dy += dyNext * x; dy += dyNext * y;`)).toBe(code(`dy = dy * x + dy * y;`));
  });

  it("drops the copy and the reset of an adjoint passed through unchanged (an accumulator's)", () => {
    expect(run(`while (trip > 0) { trip = trip - 1; const dsNext = ds; ds = 0; ds += dsNext; } return ds;`)).toBe(
      code(`while (trip > 0) { trip = trip - 1; } return ds;`),
    );
  });

  it("leaves the shuffle when the adjoint is read between the reset and the updates (it is 0 there)", () => {
    unchanged(`const dyNext = dy; dy = 0; dx += dy * 2; dy += dyNext * x;`);
  });

  it("leaves the shuffle when the adjoint is assigned otherwise in between", () => {
    unchanged(`const dyNext = dy; dy = 0; if (c) { dy = 1; } dy += dyNext * x;`);
  });

  it("leaves the shuffle when an update reads the adjoint's new value", () => {
    unchanged(`const dyNext = dy; dy = 0; dy += dyNext * x; dy += dy * y;`);
  });

  it("leaves the shuffle when something an update reads changes after it (the sum moves to the end)", () => {
    unchanged(`const dyNext = dy; dy = 0; dy += dyNext * x; x = x + 1;`);
  });

  it("leaves the shuffle when the copy is read inside an expression kept as written", () => {
    unchanged(`const dyNext = dy; dy = 0; dx += opaque(g(dyNext)); dy += dyNext * x;`);
  });
});
