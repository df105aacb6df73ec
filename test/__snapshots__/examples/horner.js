import * as adjoint from "adjoint/internal";
// A polynomial by Horner's rule, differentiated with respect to x and to every
// coefficient at once: the coefficients are a number[] parameter, so their gradient is a
// number[] too (d/dc_k p(x) = x^k).
/** c[0] + c[1] x + c[2] x² + ... by Horner's rule. */
export function polynomial(x, c) {
  let y = 0;
  for (let k = c.length - 1; k >= 0; k--) y = y * x + c[k];
  return y;
}
function polynomial_grad_x_c(x, c) {
  const k = c.length - 1;
  let y = 0;
  let k_1 = k;
  let trips = 0;
  let yTape = adjoint.numberTape();
  while (k_1 >= 0) {
    if (trips === yTape.length) {
      yTape = adjoint.growTape(yTape);
    }
    yTape[trips] = y;
    y = y * x + c[k_1];
    k_1 = k_1 - 1;
    trips = trips + 1;
  }
  const dc2 = adjoint.zerosLikeArray(c);
  let dx2 = 0;
  let dy = 1;
  let trip = trips;
  while (trip > 0) {
    trip = trip - 1;
    const yThen = yTape[trip];
    dc2[k - trip] += dy;
    dx2 += dy * yThen;
    dy = dy * x;
  }
  return [dx2, dc2];
}
export const dPolynomial = polynomial_grad_x_c;
if (require.main === module) {
  const c = [1, -3, 0, 2]; // 1 − 3x + 2x³
  for (const x of [-1, 0.5, 2]) {
    const [dx, dc] = dPolynomial(x, c);
    console.log(
      `p(${x}) = ${polynomial(x, c)}  p'(${x}) = ${dx} (closed form ${-3 + 6 * x * x})  dp/dc = [${dc.join(", ")}]`,
    );
  }
}
