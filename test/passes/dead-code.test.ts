import { describe, expect, it } from "vitest";
import { removeDeadCode } from "../../transformer/passes/dead-code";
import { code, parse, print } from "./spec";

const run = (text: string): string => print(removeDeadCode(parse(text)));

describe("removeDeadCode", () => {
  it("drops a const nothing reads, one level at a time (the fixed point repeats it)", () => {
    const once = removeDeadCode(parse(`const a = x * y; const b = a + 1; return x;`));
    expect(print(once)).toBe(code(`const a = x * y; return x;`));
    expect(print(removeDeadCode(once))).toBe(code(`return x;`));
  });

  it("keeps an unread const whose value calls something kept as written (it may have an effect)", () => {
    const body = parse(`const a = opaque(log(x)); return x;`);
    expect(removeDeadCode(body)).toBe(body);
  });

  it("drops a merge variable nothing reads with its assignments, and the branches they leave empty", () => {
    expect(run(`let m; if (c) { m = x; } else { m = y; } return x;`)).toBe(code(`return x;`));
  });

  it("turns an if around when only its then-branch was emptied", () => {
    expect(run(`if (c) { const a = x; } else { f(x); } return x;`)).toBe(code(`if (!c) { f(x); } return x;`));
  });

  it("leaves an if with an empty then-branch alone when nothing else went (turning it is no change)", () => {
    const body = parse(`if (c) { } else { f(x); } return x;`);
    expect(removeDeadCode(body)).toBe(body);
  });

  it("decides about a loop body's declarations by the loop body's own reads", () => {
    // The backward sweep recomputes an iteration under the primal's names: `a` read after the
    // loop is another variable than the loop's own `a`, which nothing reads.
    expect(run(`while (i < 3) { const a = x * i; i = i + 1; } const a = 2; return a;`)).toBe(
      code(`while (i < 3) { i = i + 1; } const a = 2; return a;`),
    );
  });

  it("drops a loop that only updates variables nothing after it reads (a backward loop left counting down)", () => {
    expect(run(`let trip = 3; while (trip > 0) { trip = trip - 1; dx += 2; } return x;`)).toBe(
      code(`let trip = 3; return x;`),
    );
  });

  it("keeps such a loop when a variable it updates is read after it", () => {
    const body = parse(`let trip = 3; while (trip > 0) { trip = trip - 1; dx += 2; } return dx;`);
    expect(removeDeadCode(body)).toBe(body);
  });

  it("keeps a loop whose updates call something kept as written", () => {
    const body = parse(`while (trip > 0) { trip = trip - 1; dx += opaque(log(x)); } return x;`);
    expect(removeDeadCode(body)).toBe(body);
  });

  it("decides about idle loops with the whole function's reads, so not inside a loop body", () => {
    // By the outer body's reads alone, nothing reads s after the inner loop; the outer condition does.
    const body = parse(`while (s < 10) { while (k > 0) { k = k - 1; s += 1; } } return x;`);
    expect(removeDeadCode(body)).toBe(body);
  });
});
