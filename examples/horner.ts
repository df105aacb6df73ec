// A polynomial by Horner's rule, differentiated with respect to x and to every
// coefficient at once: the coefficients are a number[] parameter, so their gradient is a
// number[] too (d/dc_k p(x) = x^k).
import { grad } from "adjoint";

/** c[0] + c[1] x + c[2] x² + ... by Horner's rule. */
export function polynomial(x: number, c: number[]): number {
  let y = 0;
  for (let k = c.length - 1; k >= 0; k--) y = y * x + c[k]!;
  return y;
}

export const dPolynomial = grad(polynomial, { wrt: [0, 1] });

if (require.main === module) {
  const c = [1, -3, 0, 2]; // 1 − 3x + 2x³
  for (const x of [-1, 0.5, 2]) {
    const [dx, dc] = dPolynomial(x, c);
    console.log(
      `p(${x}) = ${polynomial(x, c)}  p'(${x}) = ${dx} (closed form ${-3 + 6 * x * x})  dp/dc = [${dc.join(", ")}]`,
    );
  }
}
