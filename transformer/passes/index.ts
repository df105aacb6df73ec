// The clean-up of the generated statements after the sweeps (reverse.ts): the passes, their
// order and the fixed point, in one place. The sweeps emit every primal value, every adjoint
// contribution and every tape; these passes remove what the gradient does not need and fold
// the rest back into expressions that read like the source.
//
// A pass is a file of its own with its tests under test/passes/: adding one is that file,
// one line below and its test. A pass returns its input itself when it changes nothing
// (the fixed point stops on that), and never mutates it.
import type * as js from "../js";
import type { Namer } from "../naming";
import { accumulateInPlace } from "./accumulate";
import { removeDeadCode } from "./dead-code";
import { dropDeadUpdates } from "./dead-updates";
import { hoistBranchValues } from "./hoist";
import { fuseElementwise } from "./fuse";
import { dropIdentityShuffles } from "./identity-shuffles";
import { endedSettled, inlineOnce, inlineWhileSettled } from "./inline";
import { inlineLiteralVariables } from "./literals";
import { dropUnusedTapes } from "./tapes";
import { startFromFirstAddend } from "./zero-starts";

export interface PassContext {
  /**
   * Names that may be inlined into their single use: temporaries of A-normal form, and the
   * adjoints of intermediates (each read only after every contribution to it was made).
   */
  readonly inlinable: ReadonlySet<string>;
  /** What each primal value is: a number, a tensor (or may be one), or a tensor the shape analysis says is 0-d. */
  readonly kinds?: ReadonlyMap<string, ValueKind>;
  /** The function's names so far (a pass clones it to name new bindings); absent, the passes that need names do nothing. */
  readonly namer?: Namer;
}

export type ValueKind = "number" | "tensor" | "scalar";

export type Pass = (body: js.Statement[], context: PassContext) => js.Statement[];

/**
 * Simplification, run to a fixed point: the rounds in order, and the first round that
 * changes something starts over from the first (its passes run one after the other).
 */
const SIMPLIFY: readonly (readonly Pass[])[] = [
  // First: a statement nothing needs still reads what it reads, and every pass after it counts reads.
  [removeDeadCode],
  // Together, in this order: a shuffle dropped leaves a carried adjoint never assigned (a
  // literal, for an accumulator's), and a literal folded leaves the updates that fed it unneeded.
  [dropIdentityShuffles, inlineLiteralVariables, dropDeadUpdates],
  // Last, one inlining at a time: it trusts a count of one read, which must not count a read
  // the passes above remove, and each inlining changes the counts. inlineWhileSettled makes
  // the inlinings inlineOnce would make in turn, as long as the passes above would have
  // nothing to do in between (it knows what they look for: a pass added above must be
  // added to its `unsettles` as well).
  [inlineWhileSettled],
];

function simplify(body: js.Statement[], context: PassContext): js.Statement[] {
  // Simplifying again what nothing changed since (dropUnusedTapes dropped no tape) would only confirm it.
  if (simplified.has(body)) return body;
  const result = fixedPoint(SIMPLIFY, body, context);
  simplified.add(result);
  return result;
}

/** Results of simplify: its fixed points. */
const simplified = new WeakSet<readonly js.Statement[]>();

function fixedPoint(rounds: readonly (readonly Pass[])[], body: js.Statement[], context: PassContext): js.Statement[] {
  let current = body;
  for (let round = 0; round < rounds.length;) {
    const next = rounds[round]!.reduce((b, pass) => pass(b, context), current);
    if (next === current) round++;
    // A settled inlining that ran out left nothing for any round: starting over would only confirm it.
    else if (endedSettled(next)) return next;
    else [current, round] = [next, 0];
  }
  return current;
}

/**
 * The clean-up's definition, with one inlineOnce per round: slow (a walk of the whole body
 * per inlining), but what cleanUp must give, statement for statement; the tests compare them.
 */
export function cleanUpStepwise(body: js.Statement[], inlinable: ReadonlySet<string>): js.Statement[] {
  const context: PassContext = { inlinable };
  const stepwise = SIMPLIFY.map((round) => round.map((pass) => (pass === inlineWhileSettled ? inlineOnce : pass)));
  const passes = CLEAN_UP.map((pass) =>
    pass === simplify ? (b: js.Statement[]) => fixedPoint(stepwise, b, context) : pass,
  );
  return passes.reduce((b, pass) => pass(b, context), body);
}

/** The whole clean-up, in order. */
const CLEAN_UP: readonly Pass[] = [
  simplify,
  // Once the dead code is gone: a tape read only by dead code is unused.
  dropUnusedTapes,
  // Dropping a tape can leave the primal values only it read dead: simplify again after it.
  simplify,
  // Last: it turns branch-local declarations into assignments, which the passes above read
  // as merges, and hoists what the final code reads after the branch.
  hoistBranchValues,
  // After the hoisting (which may declare an adjoint 0 before its branch): a first addition into 0 is the addend.
  startFromFirstAddend,
  // After everything that reads a statement as one value: a running sum it hands to an
  // accumulator is no longer a value the passes above can read.
  accumulateInPlace,
  // Last: it turns a chain into a loop, one added into an accumulator's buffer included.
  fuseElementwise,
];

/** The generated statements, cleaned up; the rest as in PassContext. */
export function cleanUp(
  body: js.Statement[],
  inlinable: ReadonlySet<string>,
  kinds: ReadonlyMap<string, ValueKind> = new Map(),
  namer?: Namer,
): js.Statement[] {
  const context: PassContext = { inlinable, kinds, namer };
  return CLEAN_UP.reduce((b, pass) => pass(b, context), body);
}
