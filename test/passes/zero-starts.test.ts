import { describe, expect, it } from "vitest";
import { startFromFirstAddend } from "../../transformer/passes/zero-starts";
import { code, parse, print } from "./spec";

const run = (text: string): string => print(startFromFirstAddend(parse(text)));
const unchanged = (text: string): void => {
  const body = parse(text);
  expect(startFromFirstAddend(body)).toBe(body);
};

describe("startFromFirstAddend", () => {
  it("starts an adjoint declared 0 from its first addend, in each branch that adds to it first", () => {
    expect(run(`let dz = 0; if (c) { dz = rt.add(dz, rt.mul(g, t)); } else { dz = rt.add(dz, g); } return dz;`)).toBe(
      code(`let dz = 0; if (c) { dz = rt.mul(g, t); } else { dz = g; } return dz;`),
    );
    expect(run(`let dz = 0; const y = f(x); if (c) { if (e) { dz = rt.add(dz, g); } } return dz;`)).toBe(
      code(`let dz = 0; const y = f(x); if (c) { if (e) { dz = g; } } return dz;`),
    );
  });

  it("an adjoint set to 0 (a carried one cleared for the next trip) starts again from its first addend", () => {
    expect(run(`while (k > 0) { const dhNext = dh; dh = 0; const [a, b] = f(dhNext); dh = rt.add(dh, b); }`)).toBe(
      code(`while (k > 0) { const dhNext = dh; const [a, b] = f(dhNext); dh = b; }`),
    );
    // Two in a row: the second is found after the first's 0 is gone.
    expect(run(`dh = 0; let dz = 0; if (c) { dz = rt.add(dz, g); } dh = rt.add(dh, dz); return dh;`)).toBe(
      code(`let dz = 0; if (c) { dz = g; } dh = dz; return dh;`),
    );
  });

  it("only the first addition: later ones add to what is there", () => {
    expect(run(`let dz = 0; const y = f(x); dz = rt.add(dz, a); dz = rt.add(dz, b); return dz;`)).toBe(
      code(`const y = f(x); let dz = a; dz = rt.add(dz, b); return dz;`),
    );
  });

  it("leaves an adjoint read or written otherwise first, one a condition reads, one in a loop, and a number's +=", () => {
    unchanged(`let dz = 0; y = h(dz); dz = rt.add(dz, a); return dz;`);
    unchanged(`let dz = 0; if (dz) { dz = rt.add(dz, a); } return dz;`);
    unchanged(`let dz = 0; while (c) { dz = rt.add(dz, a); } return dz;`);
    unchanged(`let dz = 0; if (c) { dz += a; } return dz;`);
    unchanged(`let dz = 0; dz = rt.add(dz, rt.mul(dz, a)); return dz;`);
    unchanged(`let dz = 1; dz = rt.add(dz, a); return dz;`);
  });
});
