import { describe, expect, it } from "vitest";
import { hoistBranchValues } from "../../transformer/passes/hoist";
import { code, parse, print } from "./spec";

const run = (text: string): string => print(hoistBranchValues(parse(text)));

describe("hoistBranchValues", () => {
  it("declares a value computed in a branch and read after it before the if, assigned where computed", () => {
    expect(run(`if (c) { const a = x * 2; y = a; } else { const b = x; } return a * dy;`)).toBe(
      code(`let a; if (c) { a = x * 2; y = a; } else { const b = x; } return a * dy;`),
    );
  });

  it("hoists before the outermost if, in the order of the declarations", () => {
    expect(run(`if (c) { if (d) { const b = x; } const a = y; } return a + b;`)).toBe(
      code(`let b; let a; if (c) { if (d) { b = x; } a = y; } return a + b;`),
    );
  });

  it("moves a bare declaration (a merge variable) out instead of assigning it, so nothing inside shadows it", () => {
    expect(run(`if (c) { let m; if (d) { m = x; } else { m = y; } } return m;`)).toBe(
      code(`let m; if (c) { if (d) { m = x; } else { m = y; } } return m;`),
    );
  });

  it("leaves the declarations of a loop body inside a branch where they are", () => {
    const text = `if (c) { while (i < 3) { const a = x; i = i + 1; } } return a;`;
    expect(run(text)).toBe(code(text));
  });

  it("treats every block the same way, a loop body included", () => {
    expect(run(`while (k < 3) { if (c) { const a = x; } y = a; k = k + 1; }`)).toBe(
      code(`while (k < 3) { let a; if (c) { a = x; } y = a; k = k + 1; }`),
    );
  });
});
