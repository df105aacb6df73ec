import { describe, expect, it } from "vitest";
import { dropUnusedTapes } from "../../transformer/passes/tapes";
import { code, parse, print } from "./spec";

/** A loop that tapes s, as the primal sweep writes it; `after` reads it back (or not). */
const taped = (after: string): string => `
  let sTape = rt.numberTape();
  while (k < 3) {
    sTape: if (k === sTape.length) { sTape = rt.growTape(sTape); }
    sTape: sTape[k] = s;
    s = s + x;
    k = k + 1;
  }
  ${after}
  return s;
`;

describe("dropUnusedTapes", () => {
  it("drops a tape nothing replays: its declaration, growth and stores", () => {
    expect(print(dropUnusedTapes(parse(taped(""))))).toBe(code(`while (k < 3) { s = s + x; k = k + 1; } return s;`));
  });

  it("keeps a tape the backward sweep reads", () => {
    const body = parse(taped(`const sPrev = sTape[k];`));
    expect(dropUnusedTapes(body)).toBe(body);
  });

  it("knows a tape's maintenance by its mark, not by its shape: an unmarked store is a read", () => {
    const body = parse(`
      let sTape = rt.numberTape();
      sTape: if (k === sTape.length) { sTape = rt.growTape(sTape); }
      sTape[k] = s;
      return s;
    `);
    expect(dropUnusedTapes(body)).toBe(body);
  });
});
