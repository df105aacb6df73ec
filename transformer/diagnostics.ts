// The catalogue of everything the transformer refuses. Each entry has a stable code
// (documented in the README's diagnostics table) and a message that says what is wrong
// and what to do instead. Inside the pipeline a refusal is thrown as an AdjointError and
// caught per differentiation request, so one bad function never stops the others and
// the transformer never shows the user a stack trace.
import ts from "typescript";

export const DIAGNOSTICS = {
  ADJ101:
    "The function to differentiate must be one the compiler can see: a function declaration, a const-bound arrow or function expression, or an inline arrow.",
  ADJ102:
    "`wrt` must be a number literal or an array literal of number literals naming parameters of the function: { wrt: 1 } or { wrt: [0, 2] }.",
  ADJ103:
    "Only number, Tensor and number-array parameters, and structures (objects, tuples) of them, can be differentiated. " +
    "Differentiate with respect to another parameter ({ wrt: 1 }), or gather the values to differentiate into one parameter " +
    "whose fields are numbers and tensors (interface Params { w: Tensor; b: Tensor }) and write grad(loss) over it: its gradient has the same fields.",
  ADJ104:
    "Only numbers and tensors can carry a gradient: keep the values between the parameters and the result numbers or tensors, or wrap a value in stopGradient() if no gradient should flow through it.",
  ADJ105:
    "Parameters of a differentiated function must be plain identifiers (no destructuring or rest parameters): name each parameter and destructure it inside the body (const { x, y } = p); pass several values as one array or structure instead of a rest parameter.",
  ADJ106:
    "Generators and async functions cannot be differentiated: await or collect the values first, and differentiate a plain function of them.",
  ADJ201: "This statement is not supported in differentiated code.",
  ADJ202: "This loop is not supported in differentiated code yet.",
  ADJ203: "This expression cannot be differentiated.",
  ADJ204: "Calls to functions with no visible body cannot be differentiated.",
  ADJ205: "A differentiated function cannot assign to a variable declared outside it.",
  ADJ206:
    "A variable must be assigned before it is read: give it a value where it is declared (let y = 0), or on every path before the read.",
  ADJ207: "Not every path through the function returns a value.",
  ADJ208: "A function or closure inside differentiated code cannot read a variable that is reassigned.",
  ADJ209: "`var` declarations are not supported in differentiated code.",
  ADJ210: "Functions declared inside a differentiated function cannot be differentiated through.",
  ADJ211:
    "A function from another module can only be differentiated when it is imported directly from the module that declares it.",
  ADJ213:
    "Increment and decrement operators are only supported as statements: write i++ on a line of its own, or i + 1 inside the expression.",
  ADJ214:
    "A structure that carries gradients (an object or tuple parameter, a field of one that is a structure, or an array of layers) can only be read field by field and by array index: p.w, p.enc.b, pair[0], p.layers[i].w, or destructured.",
  ADJ215: "This construct is not supported in forward mode or in a second derivative yet.",
  ADJ900:
    "Internal error in the adjoint transformer; the call was left untransformed. Please report it with this function.",
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;

/** A refusal raised inside the pipeline, reported as a diagnostic on `node`. */
export class AdjointError extends Error {
  constructor(
    readonly code: DiagnosticCode,
    readonly node: ts.Node,
    readonly detail?: string,
  ) {
    super(formatMessage(code, detail));
  }
}

export function formatMessage(code: DiagnosticCode, detail?: string): string {
  return `${code}: ${DIAGNOSTICS[code]}${detail ? " " + detail : ""}`;
}

/** TypeScript diagnostics carry a number; ours live in a block of their own (ADJ101 -> 990101). */
export function numericCode(code: DiagnosticCode): number {
  return 990000 + Number(code.slice(3));
}

export function toDiagnostic(error: AdjointError): ts.Diagnostic {
  const file = error.node.getSourceFile();
  const start = error.node.getStart(file);
  return {
    file,
    start,
    length: error.node.getEnd() - start,
    messageText: error.message,
    category: ts.DiagnosticCategory.Error,
    code: numericCode(error.code),
    source: "adjoint",
  };
}

/** With ADJOINT_DEBUG set, an internal error's stack goes to stderr (for reports of ADJ900). */
export function debugInternalError(e: unknown): void {
  const host = globalThis as {
    process?: { env: Record<string, string | undefined> };
    console?: { error(...a: unknown[]): void };
  };
  if (host.process?.env.ADJOINT_DEBUG) host.console?.error(e);
}
