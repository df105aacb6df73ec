import { describe, expect, it } from "vitest";
import { argmax, exp, gather, logSoftmax, sum, tensor } from "../../runtime";

describe("logSoftmax, gather, argmax", () => {
  it("logSoftmax rows exponentiate to distributions, and stay finite for huge logits", () => {
    const y = logSoftmax(
      tensor([
        [1, 2, 3],
        [1000, 0, -1000],
      ]),
    );
    expect(Array.from(sum(exp(y), 1).data).map((v) => Number(v.toFixed(12)))).toEqual([1, 1]);
    expect(Array.from(y.data).every(Number.isFinite)).toBe(true);
    expect(y.data[3]).toBe(0);
  });

  it("gather picks rows in order, repeats allowed, and names the bad row", () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { dtype: "float32" },
    );
    const g = gather(x, [2, 0, 2]);
    expect(g.toArray()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
    expect(g.dtype).toBe("float32");
    expect(() => gather(x, [3])).toThrow("gather: row 3 is out of range for shape [3,2]");
  });

  it("argmax takes the first of ties and treats NaN as largest, along any axis", () => {
    expect(
      argmax(
        tensor([
          [1, 3, 3],
          [NaN, 0, 5],
        ]),
      ).toArray(),
    ).toEqual([1, 0]);
    expect(
      argmax(
        tensor([
          [1, 3],
          [4, 2],
        ]),
        0,
      ).toArray(),
    ).toEqual([1, 0]);
  });

  it("does not change its inputs", () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    const before = Array.from(x.data);
    logSoftmax(x);
    gather(x, [1, 1]);
    argmax(x);
    expect(Array.from(x.data)).toEqual(before);
  });
});
