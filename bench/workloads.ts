// The benchmark's workload, written as a user would: the seed notebook's modified function
// sum(f(x) + g(x) - stopGradient(g(x))) with f(x) = x² and g(x) = x³, whose gradient is
// f' + g' = 2x + 3x². The adjoint transformer rewrites grad(modified) at compile time.
import { grad, stopGradient, add, sub, mul, pow, sum, type Tensor } from "adjoint";

export const modified = (x: Tensor) => sum(sub(add(mul(x, x), pow(x, 3)), stopGradient(pow(x, 3))));

export const dModified = grad(modified);
