"use strict";
var __createBinding =
  (this && this.__createBinding) ||
  (Object.create
    ? function (o, m, k, k2) {
        if (k2 === undefined) k2 = k;
        var desc = Object.getOwnPropertyDescriptor(m, k);
        if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
          desc = {
            enumerable: true,
            get: function () {
              return m[k];
            },
          };
        }
        Object.defineProperty(o, k2, desc);
      }
    : function (o, m, k, k2) {
        if (k2 === undefined) k2 = k;
        o[k2] = m[k];
      });
var __setModuleDefault =
  (this && this.__setModuleDefault) ||
  (Object.create
    ? function (o, v) {
        Object.defineProperty(o, "default", { enumerable: true, value: v });
      }
    : function (o, v) {
        o["default"] = v;
      });
var __importStar =
  (this && this.__importStar) ||
  (function () {
    var ownKeys = function (o) {
      ownKeys =
        Object.getOwnPropertyNames ||
        function (o) {
          var ar = [];
          for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
          return ar;
        };
      return ownKeys(o);
    };
    return function (mod) {
      if (mod && mod.__esModule) return mod;
      var result = {};
      if (mod != null)
        for (var k = ownKeys(mod), i = 0; i < k.length; i++)
          if (k[i] !== "default") __createBinding(result, mod, k[i]);
      __setModuleDefault(result, mod);
      return result;
    };
  })();
Object.defineProperty(exports, "__esModule", { value: true });
exports.dPolynomial = void 0;
exports.polynomial = polynomial;
// A polynomial by Horner's rule, differentiated with respect to x and to every
// coefficient at once: the coefficients are a number[] parameter, so their gradient is a
// number[] too (d/dc_k p(x) = x^k).
const adjoint_1 = require("adjoint");
const adjoint = __importStar(require("adjoint"));
/** c[0] + c[1] x + c[2] x² + ... by Horner's rule. */
function polynomial(x, c) {
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
  let k_1Tape = adjoint.numberTape();
  while (k_1 >= 0) {
    if (trips === yTape.length) {
      yTape = adjoint.growTape(yTape);
    }
    yTape[trips] = y;
    if (trips === k_1Tape.length) {
      k_1Tape = adjoint.growTape(k_1Tape);
    }
    k_1Tape[trips] = k_1;
    y = y * x + c[k_1];
    k_1 = k_1 - 1;
    trips = trips + 1;
  }
  const dc1 = adjoint.zerosLikeArray(c);
  let dx1 = 0;
  let dy = 1;
  let k1 = trips;
  while (k1 > 0) {
    k1 = k1 - 1;
    const yThen = yTape[k1];
    const k_1Then = k_1Tape[k1];
    const dyNext = dy;
    dy = 0;
    dc1[k_1Then] += dyNext;
    dy += dyNext * x;
    dx1 += dyNext * yThen;
  }
  return [dx1, dc1];
}
exports.dPolynomial = polynomial_grad_x_c;
if (require.main === module) {
  const c = [1, -3, 0, 2]; // 1 − 3x + 2x³
  for (const x of [-1, 0.5, 2]) {
    const [dx, dc] = (0, exports.dPolynomial)(x, c);
    console.log(
      `p(${x}) = ${polynomial(x, c)}  p'(${x}) = ${dx} (closed form ${-3 + 6 * x * x})  dp/dc = [${dc.join(", ")}]`,
    );
  }
}
