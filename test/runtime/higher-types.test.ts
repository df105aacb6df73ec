// The types of the higher-order markers (jvp, hvp, hessian, jacobian) and of their nesting
// with grad, checked by `npm run typecheck` (which includes test/): each marker call sits in
// a thunk that is never called, since untransformed markers throw. Also that they do throw.
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  grad,
  hessian,
  hvp,
  jacobian,
  jvp,
  tensor,
  vjp,
  type Hessian,
  type Jacobian,
  type Tensor,
} from "../../runtime";

const scalar = (x: number): number => x * x;
const elementwise = (x: Tensor): Tensor => x;
const loss = (x: Float64Array): number => x.length;
const mixed = (label: string, w: Float32Array, x: readonly number[]): Tensor =>
  tensor(label.length + w.length + x.length);
const vector = (x: number[]): Float64Array => Float64Array.from(x);

type Of<T extends () => unknown> = ReturnType<T>;

describe("higher-order marker types", () => {
  it("nest with grad for number, Tensor and Float64Array functions", () => {
    const gg = () => grad(grad(scalar));
    expectTypeOf<Of<typeof gg>>().toEqualTypeOf<(x: number) => number>();
    const ggT = () => grad(grad(elementwise));
    expectTypeOf<Of<typeof ggT>>().toEqualTypeOf<(x: Tensor) => Tensor>();
    const ggA = () => grad(grad(loss));
    expectTypeOf<Of<typeof ggA>>().toEqualTypeOf<(x: Float64Array) => Float64Array>();
    const gvjp = () => grad(vjp(elementwise));
    expectTypeOf<Of<typeof gvjp>>().returns.toEqualTypeOf<Tensor>();
  });

  it("jvp takes the tangent last, of the parameter's type, and gives { value, tangent }", () => {
    const j = () => jvp(scalar);
    expectTypeOf<Of<typeof j>>().toEqualTypeOf<(x: number, tangent: number) => { value: number; tangent: number }>();
    const jT = () => jvp(elementwise);
    expectTypeOf<Of<typeof jT>>().parameters.toEqualTypeOf<[x: Tensor, Tensor]>();
    expectTypeOf<Of<typeof jT>>().returns.toEqualTypeOf<{ value: Tensor; tangent: Tensor }>();
    const jg = () => jvp(grad(loss));
    expectTypeOf<Of<typeof jg>>().parameters.toEqualTypeOf<[x: Float64Array, Float64Array]>();
    expectTypeOf<Of<typeof jg>>().returns.toEqualTypeOf<{ value: Float64Array; tangent: Float64Array }>();
    const jgg = () => jvp(grad(grad(scalar)));
    expectTypeOf<Of<typeof jgg>>().returns.toEqualTypeOf<{ value: number; tangent: number }>();
    const jw = () => jvp(mixed, { wrt: 2 });
    expectTypeOf<Of<typeof jw>>().parameters.toEqualTypeOf<
      [label: string, w: Float32Array, x: readonly number[], readonly number[]]
    >();
  });

  it("hvp takes the vector last and gives the gradient's type", () => {
    const h = () => hvp(scalar);
    expectTypeOf<Of<typeof h>>().toEqualTypeOf<(x: number, v: number) => number>();
    const hT = () => hvp(elementwise);
    expectTypeOf<Of<typeof hT>>().parameters.toEqualTypeOf<[x: Tensor, Tensor]>();
    expectTypeOf<Of<typeof hT>>().returns.toEqualTypeOf<Tensor>();
    const hA = () => hvp(loss);
    expectTypeOf<Of<typeof hA>>().returns.toEqualTypeOf<Float64Array>();
    const hw = () => hvp(mixed, { wrt: 2 });
    expectTypeOf<Of<typeof hw>>().returns.toEqualTypeOf<number[]>();
    const hg = () => grad(hvp(scalar));
    expectTypeOf<Of<typeof hg>>().returns.toEqualTypeOf<number>();
  });

  it("hessian gives Hessian<P>: number, Tensor, rows of the array's kind", () => {
    expectTypeOf<Hessian<number>>().toEqualTypeOf<number>();
    expectTypeOf<Hessian<Tensor>>().toEqualTypeOf<Tensor>();
    expectTypeOf<Hessian<Float64Array>>().toEqualTypeOf<Float64Array[]>();
    expectTypeOf<Hessian<Float32Array>>().toEqualTypeOf<Float32Array[]>();
    expectTypeOf<Hessian<number[]>>().toEqualTypeOf<number[][]>();
    expectTypeOf<Hessian<readonly number[]>>().toEqualTypeOf<number[][]>();
    const h = () => hessian(scalar);
    expectTypeOf<Of<typeof h>>().toEqualTypeOf<(x: number) => number>();
    const hA = () => hessian(loss);
    expectTypeOf<Of<typeof hA>>().returns.toEqualTypeOf<Float64Array[]>();
    const hw = () => hessian(mixed, { wrt: 1 });
    expectTypeOf<Of<typeof hw>>().returns.toEqualTypeOf<Float32Array[]>();
    const hT = () => hessian(elementwise);
    expectTypeOf<Of<typeof hT>>().returns.toEqualTypeOf<Tensor>();
  });

  it("jacobian gives Jacobian<Y, X> in either mode", () => {
    expectTypeOf<Jacobian<number, number>>().toEqualTypeOf<number>();
    expectTypeOf<Jacobian<Tensor, number>>().toEqualTypeOf<Tensor>();
    expectTypeOf<Jacobian<Float32Array, number>>().toEqualTypeOf<Float32Array>();
    expectTypeOf<Jacobian<number, readonly number[]>>().toEqualTypeOf<number[]>();
    expectTypeOf<Jacobian<Tensor, Float64Array>>().toEqualTypeOf<Tensor>();
    expectTypeOf<Jacobian<number[], Tensor>>().toEqualTypeOf<Tensor>();
    expectTypeOf<Jacobian<Float64Array, number[]>>().toEqualTypeOf<number[][]>();
    expectTypeOf<Jacobian<number[], Float32Array>>().toEqualTypeOf<Float32Array[]>();
    expectTypeOf<Jacobian<{ a: number }, Tensor>>().toBeNever();
    const j = () => jacobian(vector);
    expectTypeOf<Of<typeof j>>().toEqualTypeOf<(x: number[]) => number[][]>();
    const jr = () => jacobian(mixed, { wrt: 1, mode: "reverse" });
    expectTypeOf<Of<typeof jr>>().returns.toEqualTypeOf<Tensor>();
    const jg = () => jacobian(grad(loss), { mode: "forward" });
    expectTypeOf<Of<typeof jg>>().returns.toEqualTypeOf<Float64Array[]>();
    // @ts-expect-error: only "forward" and "reverse"
    void (() => jacobian(vector, { mode: "sideways" }));
    // @ts-expect-error: jvp's wrt is one index
    void (() => jvp(scalar, { wrt: [0] }));
    // @ts-expect-error: the tangent is missing
    void (() => jvp(scalar)(1));
  });

  it("throw at run time when the transformer did not run, naming the marker", () => {
    expect(() => jvp(scalar)).toThrow(/jvp\(\) was called at run time/);
    expect(() => hvp(scalar)).toThrow(/hvp\(\) was called at run time/);
    expect(() => hessian(scalar)).toThrow(/hessian\(\) was called at run time/);
    expect(() => jacobian(scalar)).toThrow(/jacobian\(\) was called at run time.*tspc/s);
  });
});
