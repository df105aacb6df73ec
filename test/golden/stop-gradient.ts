// stopGradient: its value is a constant for the backward sweep, and no code is emitted for it.
import { grad, stopGradient } from "adjoint";

export const f = (x: number) => stopGradient(x * x) * x + Math.sin(x);

export const df = grad(f);

// x² held constant: the gradient is x² + cos(x), the derivative of x³/3 + sin(x).
export const checks = [{ f, grad: df, reference: (x: number) => x ** 3 / 3 + Math.sin(x), at: [[0.7], [-1.5]] }];
