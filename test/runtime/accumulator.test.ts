// The accumulator of running sums in loops (runtime/internal/accumulator.ts): whatever the
// addends (numbers, tensors of the sum's shape, tensors that broadcast it to a larger one,
// float32 and float64 mixed), its total is the chain of `add` calls, bit for bit, and it
// never writes into its start or an addend.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accumulator } from "../../runtime/internal";
import { add, tensor, Tensor, type DType } from "../../runtime";

type Operand = number | Tensor;

const SHAPES: readonly (readonly number[])[] = [[], [1], [3], [2, 3], [1, 3], [2, 1]];

const operand: fc.Arbitrary<Operand> = fc.oneof(
  fc.double({ noNaN: false, min: -1e3, max: 1e3 }),
  fc
    .record({
      shape: fc.constantFrom(...SHAPES),
      dtype: fc.constantFrom<DType>("float32", "float64"),
      seed: fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 6, maxLength: 6 }),
    })
    .map(({ shape, dtype, seed }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return tensor(seed.slice(0, n), { dtype, shape: [...shape] });
    }),
);

const snapshot = (x: Operand): unknown => (typeof x === "number" ? x : { shape: [...x.shape], data: [...x.data] });

function sameBits(actual: Operand, expected: Operand): void {
  if (typeof expected === "number") return void expect(Object.is(actual, expected)).toBe(true);
  expect(actual).toBeInstanceOf(Tensor);
  const t = actual as Tensor;
  expect(t.shape).toEqual(expected.shape);
  expect(t.dtype).toBe(expected.dtype);
  expected.data.forEach((v, i) => expect(Object.is(t.data[i], v), `element ${i}: ${t.data[i]} vs ${v}`).toBe(true));
}

describe("accumulator", () => {
  it("gives what the chain of add calls gives, and changes none of its inputs", () => {
    fc.assert(
      fc.property(operand, fc.array(operand, { maxLength: 6 }), (start, addends) => {
        let chain: Operand = start;
        try {
          for (const x of addends) chain = add(chain, x);
        } catch {
          return; // shapes that do not broadcast: add's error is tested below
        }
        const before = [start, ...addends].map(snapshot);
        const sum = accumulator(start);
        for (const x of addends) sum.add(x);
        sameBits(sum.value(), chain);
        expect([start, ...addends].map(snapshot)).toEqual(before);
      }),
      { numRuns: 400 },
    );
  });

  it("adds into the buffer its first sum allocated, and hands it out with value()", () => {
    const g = tensor([1, 2, 3]);
    const sum = accumulator(g);
    sum.add(g);
    const buffer = (sum as unknown as { sum: Tensor }).sum.data;
    sum.add(g);
    sum.add(2);
    const total = sum.value() as Tensor;
    expect(total.data).toBe(buffer);
    expect([...total.data]).toEqual([5, 8, 11]);
    expect([...g.data]).toEqual([1, 2, 3]);
    // The buffer is the caller's now: a later sum must not write into it.
    sum.add(g);
    expect([...total.data]).toEqual([5, 8, 11]);
    expect([...(sum.value() as Tensor).data]).toEqual([6, 10, 14]);
  });

  it("reports a bad addend or shapes that do not broadcast as add does", () => {
    const sum = accumulator(tensor([1, 2, 3]));
    sum.add(tensor([1, 1, 1]));
    expect(() => sum.add(tensor([1, 2]))).toThrow(/add.*\[3\].*\[2\]/);
    expect(() => sum.add("x" as unknown as number)).toThrow(/add: argument 2 must be a number or a Tensor, got/);
  });
});
