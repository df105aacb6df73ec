import { describe, expect, it } from "vitest";
import { dropDeadUpdates } from "../../transformer/passes/dead-updates";
import { removeDeadCode } from "../../transformer/passes/dead-code";
import { code, parse, print } from "./spec";

const run = (text: string): string => print(dropDeadUpdates(parse(text)));

describe("dropDeadUpdates", () => {
  it("drops a running sum the result does not need, with every update inside the loop", () => {
    expect(run(`let s = 0; let i = 0; while (i < 3) { s += x * i; i = i + 1; } return x;`)).toBe(
      code(`let i = 0; while (i < 3) { i = i + 1; } return x;`),
    );
  });

  it("drops variables feeding each other around a loop, which read counts keep alive", () => {
    const text = `let a = 0; let b = 0; while (i < 3) { a = b + x; b = a * 2; i = i + 1; } return x + i;`;
    const body = parse(text);
    expect(removeDeadCode(body)).toBe(body);
    expect(run(text)).toBe(code(`while (i < 3) { i = i + 1; } return x + i;`));
  });

  it("keeps an update with an effect, and the variable it lands in", () => {
    const body = parse(`let s = 0; s += opaque(log(x)); return x;`);
    expect(dropDeadUpdates(body)).toBe(body);
  });

  it("keeps what conditions, effects and the return value read, through every assignment", () => {
    const body = parse(`let k = 0; let j = x; k = j + 1; if (k > 2) { f(y); } return z;`);
    expect(dropDeadUpdates(body)).toBe(body);
  });

  it("keeps a destructure with a live name and its inputs; drops one whose names are all dead", () => {
    const live = parse(`const t = x * 2; const [a, b] = f(t); return a;`);
    expect(dropDeadUpdates(live)).toBe(live);
    expect(run(`const t = x * 2; const [a, b] = f(t); return x;`)).toBe(code(`return x;`));
  });

  it("drops the element writes of an array nothing reads, and keeps those of one read later", () => {
    expect(run(`const u = rt.zeros(3); u[0] = x; u[1] += y; return x;`)).toBe(code(`return x;`));
    const read = parse(`const u = rt.zeros(3); u[0] = x; u[1] += y; return u[0];`);
    expect(dropDeadUpdates(read)).toBe(read);
  });
});
