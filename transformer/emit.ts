// Generated code -> TypeScript nodes, with ts.factory only (no string splicing).
//
// Identifiers that refer to the user's own bindings (a callee, an outer constant, an
// import) are re-created with their source identifier as original node, so the
// compiler's later passes (CommonJS import and export rewriting) treat them exactly as
// the user's own references.
//
// Source maps: each statement, and each call of a primitive, gets the source map range of
// the source node it comes from (js.Located: the primitive call it computes or whose adjoint
// it computes), so a frame in generated code maps to the user's line. Only the source map
// range is set, never the text range, which would make the printer copy the source's
// comments or text: the printed code is the same with or without it. A statement with no
// origin of its own maps where the statement around it does, and at the top to the function
// it is generated from.
import ts from "typescript";
import type { Expr, GeneratedFunction, Statement } from "./js";
import { isPropertyName } from "./sites";

const BINARY_TOKENS = {
  "+": ts.SyntaxKind.PlusToken,
  "-": ts.SyntaxKind.MinusToken,
  "*": ts.SyntaxKind.AsteriskToken,
  "/": ts.SyntaxKind.SlashToken,
  "**": ts.SyntaxKind.AsteriskAsteriskToken,
  "%": ts.SyntaxKind.PercentToken,
  "===": ts.SyntaxKind.EqualsEqualsEqualsToken,
  "!==": ts.SyntaxKind.ExclamationEqualsEqualsToken,
  "<": ts.SyntaxKind.LessThanToken,
  "<=": ts.SyntaxKind.LessThanEqualsToken,
  ">": ts.SyntaxKind.GreaterThanToken,
  ">=": ts.SyntaxKind.GreaterThanEqualsToken,
  "&&": ts.SyntaxKind.AmpersandAmpersandToken,
} as const;

const PRECEDENCE: Record<keyof typeof BINARY_TOKENS, number> = {
  "**": 4,
  "*": 3,
  "/": 3,
  "%": 3,
  "+": 2,
  "-": 2,
  "<": 1,
  "<=": 1,
  ">": 1,
  ">=": 1,
  "===": 0,
  "!==": 0,
  "&&": -1,
};

export class Emitter {
  private readonly f: ts.NodeFactory;

  constructor(
    private readonly context: ts.TransformationContext,
    private readonly checker: ts.TypeChecker,
    /** The namespace the file imports the runtime as, for calls of the tensor runtime. */
    private readonly runtimeNamespace: string | undefined,
    /** The file the code is placed in: only its nodes are source map targets. */
    private readonly file?: ts.SourceFile,
  ) {
    this.f = context.factory;
  }

  /** The origin of the statement being emitted, which the statements nested in its expressions (a pullback's) inherit. */
  private enclosing?: ts.Node;

  /** `exported` when another module calls it. */
  functionDeclaration(fn: GeneratedFunction, exported = false): ts.FunctionDeclaration {
    const modifiers = exported ? [this.f.createModifier(ts.SyntaxKind.ExportKeyword)] : undefined;
    return this.mapTo(
      this.f.createFunctionDeclaration(
        modifiers,
        undefined,
        fn.name,
        undefined,
        this.parameters(fn),
        undefined,
        this.block(fn.body, fn.origin),
      ),
      fn.origin,
    );
  }

  arrowFunction(fn: GeneratedFunction): ts.ArrowFunction {
    return this.mapTo(
      this.f.createArrowFunction(
        undefined,
        undefined,
        this.parameters(fn),
        undefined,
        undefined,
        this.block(fn.body, fn.origin),
      ),
      fn.origin,
    );
  }

  /**
   * `node` mapped to `origin` in the source map; unchanged when the origin has no place in
   * this file (a synthesized node, or one of another file, which no generated code should have).
   */
  private mapTo<T extends ts.Node>(node: T, origin: ts.Node | undefined): T {
    if (!origin || origin.pos < 0 || origin.end < origin.pos) return node;
    if (this.file && origin.getSourceFile() !== this.file) return node;
    return ts.setSourceMapRange(node, { pos: origin.pos, end: origin.end });
  }

  private parameters(fn: GeneratedFunction): ts.ParameterDeclaration[] {
    const f = this.f;
    return [
      ...fn.params.map((p) =>
        f.createParameterDeclaration(
          undefined,
          undefined,
          (p.name as ts.Identifier).text,
          undefined,
          undefined,
          p.initializer && this.source(p.initializer),
        ),
      ),
      ...fn.extraParams.map((name) => f.createParameterDeclaration(undefined, undefined, name)),
    ];
  }

  /** `origin`: what the statements with none of their own map to. */
  private block(body: readonly Statement[], origin: ts.Node | undefined): ts.Block {
    const reassigned = new Set<string>();
    const scan = (list: readonly Statement[]): void =>
      list.forEach((s) => {
        if (s.kind === "assign" || s.kind === "accumulate") reassigned.add(s.name);
        if (s.kind === "if") (scan(s.then), scan(s.else));
        if (s.kind === "while" || s.kind === "for") scan(s.body);
      });
    scan(body);
    return this.f.createBlock(this.statements(body, reassigned, origin), true);
  }

  /** `inherited`: the origin of the statements with none of their own (the enclosing statement's). */
  private statements(
    list: readonly Statement[],
    reassigned: ReadonlySet<string>,
    inherited: ts.Node | undefined,
  ): ts.Statement[] {
    const f = this.f;
    const outer = this.enclosing;
    const emitted = list.map((s): ts.Statement => {
      const origin = s.origin ?? inherited;
      this.enclosing = origin;
      switch (s.kind) {
        case "const":
        case "let": {
          const flags = s.kind === "let" && reassigned.has(s.name) ? ts.NodeFlags.Let : ts.NodeFlags.Const;
          const decl = f.createVariableDeclaration(s.name, undefined, undefined, s.init && this.expr(s.init));
          return f.createVariableStatement(
            undefined,
            f.createVariableDeclarationList([decl], s.init || flags === ts.NodeFlags.Let ? flags : ts.NodeFlags.Let),
          );
        }
        case "destructure": {
          const pattern = f.createArrayBindingPattern(
            s.names.map((n) =>
              n === undefined ? f.createOmittedExpression() : f.createBindingElement(undefined, undefined, n),
            ),
          );
          return f.createVariableStatement(
            undefined,
            f.createVariableDeclarationList(
              [f.createVariableDeclaration(pattern, undefined, undefined, this.expr(s.init))],
              ts.NodeFlags.Const,
            ),
          );
        }
        case "assign":
          return f.createExpressionStatement(f.createAssignment(f.createIdentifier(s.name), this.expr(s.value)));
        case "accumulate":
          return f.createExpressionStatement(
            f.createBinaryExpression(f.createIdentifier(s.name), ts.SyntaxKind.PlusEqualsToken, this.expr(s.value)),
          );
        case "storeElement":
          return f.createExpressionStatement(
            f.createAssignment(
              f.createElementAccessExpression(f.createIdentifier(s.array), this.expr(s.index)),
              this.expr(s.value),
            ),
          );
        case "accumulateElement":
          return f.createExpressionStatement(
            f.createBinaryExpression(
              f.createElementAccessExpression(f.createIdentifier(s.array), this.expr(s.index)),
              ts.SyntaxKind.PlusEqualsToken,
              this.expr(s.value),
            ),
          );
        case "effect":
          return f.createExpressionStatement(this.expr(s.expr));
        case "throw":
          return f.createThrowStatement(this.expr(s.expr));
        case "return":
          return f.createReturnStatement(this.expr(s.value));
        case "while": {
          const body = f.createBlock(this.statements(s.body, reassigned, origin), true);
          return s.testAfter
            ? f.createDoStatement(body, this.expr(s.cond))
            : f.createWhileStatement(this.expr(s.cond), body);
        }
        case "for": {
          const i = f.createIdentifier(s.index);
          return f.createForStatement(
            f.createVariableDeclarationList(
              [f.createVariableDeclaration(s.index, undefined, undefined, this.number(0))],
              ts.NodeFlags.Let,
            ),
            f.createLessThan(i, this.expr(s.count)),
            f.createPostfixIncrement(i),
            f.createBlock(this.statements(s.body, reassigned, origin), true),
          );
        }
        case "if": {
          // else { if ... } reads better as else if ...
          const elseBranch = this.statements(s.else, reassigned, origin);
          const onlyIf = elseBranch.length === 1 && ts.isIfStatement(elseBranch[0]!);
          return f.createIfStatement(
            this.expr(s.cond),
            f.createBlock(this.statements(s.then, reassigned, origin), true),
            onlyIf ? elseBranch[0] : elseBranch.length > 0 ? f.createBlock(elseBranch, true) : undefined,
          );
        }
        case "comment":
          return ts.addSyntheticLeadingComment(
            f.createNotEmittedStatement(f.createEmptyStatement()),
            ts.SyntaxKind.SingleLineCommentTrivia,
            ` ${s.text}`,
            true,
          );
      }
    });
    this.enclosing = outer;
    // A comment (NotEmittedStatement) has no place in the source map: the printer skips it.
    return emitted.map((node, i) => this.mapTo(node, list[i]!.origin ?? inherited));
  }

  expr(e: Expr): ts.Expression {
    const f = this.f;
    switch (e.kind) {
      case "num":
        return this.number(e.value);
      case "name":
        return f.createIdentifier(e.name);
      case "source":
        return this.source(e.node);
      case "opaque":
        return this.source(e.node, e.renames);
      case "binary": {
        // The printer drops parentheses around a right operand of an associative operator
        // (a * (b * c)), which would change floating-point rounding: keep them.
        let right = this.expr(e.right);
        if (e.right.kind === "binary" && PRECEDENCE[e.right.op] === PRECEDENCE[e.op])
          right = f.createParenthesizedExpression(right);
        // `-x ** 2` is a syntax error in JavaScript: a unary operand of ** needs parentheses.
        let left = this.expr(e.left);
        if (e.op === "**" && (ts.isPrefixUnaryExpression(left) || ts.isBinaryExpression(left)))
          left = f.createParenthesizedExpression(left);
        return f.createBinaryExpression(left, BINARY_TOKENS[e.op], right);
      }
      case "neg":
        return f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, this.expr(e.operand));
      case "not":
        return f.createLogicalNot(this.expr(e.operand));
      case "math":
        return this.mapTo(
          f.createCallExpression(
            f.createPropertyAccessExpression(f.createIdentifier("Math"), e.fn),
            undefined,
            e.args.map((a) => this.expr(a)),
          ),
          e.origin,
        );
      case "element":
        return f.createElementAccessExpression(this.expr(e.array), this.expr(e.index));
      case "member":
        return f.createPropertyAccessExpression(f.createIdentifier(e.object), e.name);
      case "length":
        return f.createPropertyAccessExpression(this.expr(e.array), "length");
      case "property":
        return f.createPropertyAccessExpression(this.expr(e.object), e.name);
      case "mathConstant":
        return f.createPropertyAccessExpression(f.createIdentifier("Math"), e.name);
      case "call":
        return this.mapTo(
          f.createCallExpression(
            this.expr(e.callee),
            undefined,
            e.args.map((a) => this.expr(a)),
          ),
          e.origin,
        );
      case "runtime":
        return this.mapTo(
          f.createCallExpression(
            f.createPropertyAccessExpression(f.createIdentifier(this.runtimeNamespace!), e.fn),
            undefined,
            e.args.map((a) => this.expr(a)),
          ),
          e.origin,
        );
      case "conditional":
        return f.createConditionalExpression(
          this.expr(e.cond),
          undefined,
          this.expr(e.whenTrue),
          undefined,
          this.expr(e.whenFalse),
        );
      case "array":
        return f.createArrayLiteralExpression(e.elements.map((a) => this.expr(a)));
      case "pullback":
        return f.createArrowFunction(
          undefined,
          undefined,
          [f.createParameterDeclaration(undefined, undefined, e.param)],
          undefined,
          undefined,
          this.block(e.body, this.enclosing),
        );
      case "function":
        return this.arrowFunction(e.fn);
      case "object":
        return f.createObjectLiteralExpression(e.fields.map(([k, v]) => f.createPropertyAssignment(k, this.expr(v))));
    }
  }

  private number(value: number): ts.Expression {
    const f = this.f;
    if (Number.isNaN(value)) return f.createIdentifier("NaN");
    if (!Number.isFinite(value)) {
      const inf = f.createIdentifier("Infinity");
      return value > 0 ? inf : f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, inf);
    }
    if (value < 0 || Object.is(value, -0))
      return f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, f.createNumericLiteral(-value));
    return f.createNumericLiteral(value);
  }

  /** A copy of a source expression, with the function's variables replaced by their SSA versions. */
  private source(node: ts.Expression, renames?: ReadonlyMap<ts.Symbol | ts.Node, Expr>): ts.Expression {
    const visit = (n: ts.Node): ts.Node => {
      // An element read (buf[i]) or a length (ys.length) lowering turned into a value.
      const value = renames?.get(n);
      if (value) return this.expr(value);
      if (ts.isShorthandPropertyAssignment(n) && renames) {
        const symbol = this.checker.getShorthandAssignmentValueSymbol(n);
        const replacement = symbol && renames.get(symbol);
        if (replacement) return this.f.createPropertyAssignment(n.name.text, this.expr(replacement));
      }
      if (ts.isIdentifier(n)) {
        const symbol = renames && !isPropertyName(n) ? this.checker.getSymbolAtLocation(n) : undefined;
        const replacement = symbol && renames!.get(symbol);
        if (replacement) return this.expr(replacement);
        return ts.setOriginalNode(this.f.createIdentifier(n.text), n);
      }
      return ts.visitEachChild(n, visit, this.context);
    };
    return ts.visitNode(node, visit) as ts.Expression;
  }
}
