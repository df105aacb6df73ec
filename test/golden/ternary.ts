// The conditional operator, with a differentiated value in each arm.
import { grad } from "adjoint";

export const f = (x: number) => (x > 0 ? x * x : Math.sin(x)) + (x > 1 ? 1 : x);

export const df = grad(f);

export const checks = [{ f, grad: df, at: [[-0.8], [0.5], [1.6]] }];
