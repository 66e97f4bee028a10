// Which node each comment belongs to. Prettier finds, for every comment, the deepest node that
// encloses it; these hooks then choose where the comment goes. The base rule is prettier's: a
// comment on its own line leads the next node, one at the end of a line trails the previous one.
// The refinements exist so that meaning is kept and formatting the output again changes nothing:
//
//  1. Brackets: a node is a neighbour only if it sits inside the same bracket pair as the comment.
//     A comment inside `f( ... )` never trails the callee `f` (printing it there could put the `(`
//     on a new line, which ends the call), and one inside a module body never trails a parameter
//     of the header.
//  2. `if`/`else`: a comment between `}` and `else` moves into the else branch.
//  3. Bodies: a comment printed with a line break after the node before a body's `{` (a line
//     comment, or one on its own line) would be printed after the `{` anyway, so it goes into the
//     body. A comment after `=`, `~` or `:` leads the value.
//  4. Line starts: a comment that ends its line (a line comment, or a block comment on its own line)
//     leads a node that starts a line in the output (a declaration, a statement, a list element...);
//     before a node in the middle of a line, such as the type in `x: T`, it moves up to the node
//     that starts that line.
//  5. Leftovers: a comment with no neighbour stays inside the brackets of the node that encloses it
//     (a dangling comment, printed by that node), or goes around the enclosing node.

import { util } from "prettier";
import type { BracketIndex, BracketPair } from "../brackets.js";
import { bracketIndexOf, isNode, type FlowAst, type FlowComment, type FlowNode } from "../nodes.js";
import { codeStart, isBlankGap, skipTrivia } from "../trivia.js";
import { assignedValue } from "../print/assignment.js";
import { endsLine } from "./print.js";
import { allNodes, parentOf, sortedChildren } from "./tree.js";

export { canAttachComment, visitorKeys } from "./tree.js";

/** Nodes whose printers print dangling comments inside their brackets. */
const CONTAINERS = new Set([
  "ModuleDecl", "ModelDecl", "IfItem", "FnDecl", "LossDecl", "SamplerDecl", "Lambda", "Attribute", "Call", "List",
  "Tuple", "TrainDecl", "ExpectDecl", "UseDecl", "TensorType",
]);

type Placement = "ownLine" | "endOfLine" | "remaining";

interface Decorated extends FlowComment {
  enclosingNode?: FlowNode;
}

/** One comment being placed, with what the rules need to know. */
interface Site {
  readonly comment: Decorated;
  readonly text: string;
  readonly ast: FlowAst;
  readonly brackets: BracketIndex;
  readonly placement: Placement;
  /** Where the comment counts as being: its span, or just after the parentheses it was lifted out of. */
  start: number;
  end: number;
  bracket: BracketPair | undefined;
  enclosing: FlowNode | undefined;
}

function handler(placement: Placement) {
  return (comment: Decorated, text: string, _options: unknown, ast: FlowAst): boolean => {
    const { start, end } = comment.span;
    place({ comment, text, ast, brackets: bracketIndexOf(ast), placement, start, end, bracket: comment.bracket, enclosing: comment.enclosingNode });
    return true;
  };
}

export const handleComments = { ownLine: handler("ownLine"), endOfLine: handler("endOfLine"), remaining: handler("remaining") };

function place(site: Site): void {
  const { text, placement } = site;
  allNodes(root(site)); // records every node's parent
  liftOutOfParentheses(site);
  const enclosing = site.enclosing;
  if (enclosing && placeAtElseSeam(site, enclosing)) return;
  // `train m // why\n on data {`: printed at the end of its line, the comment would land in the config.
  if (enclosing?.kind === "TrainDecl" && site.bracket === site.brackets.innermost(enclosing.span.start) && endsLine(site.comment, text))
    return void util.addLeadingComment(enclosing, site.comment);

  const { preceding, following } = neighbours(site, enclosing ?? root(site));
  if (enclosing && following && placement !== "remaining" && following === bodyBlock(enclosing) && site.start < following.span.start)
    return leading(site, firstInside(following));
  if (enclosing && following && following === rightHandSide(enclosing) && afterOperator(site, preceding ?? enclosing))
    return leading(site, following);
  // `x^y^z` is glued: a comment between operands goes before the whole power.
  if (enclosing?.kind === "Binary" && enclosing["op"] === "^" && preceding && following) {
    let power = enclosing;
    for (let p = parentOf(power); p?.kind === "Binary" && p["op"] === "^"; p = parentOf(power)) power = p;
    return leading(site, power);
  }
  // `x // why\n .shape`: the member name follows on the same output line, so after the member.
  if (enclosing?.kind === "Member" && preceding && !following) return trailing(site, enclosing);
  // On its own line after the last node of the enclosing one: before the next node further out.
  if (placement === "ownLine" && !following && enclosing) {
    const next = followingFurtherOut(site, enclosing);
    if (next) return leading(site, next);
  }
  if (!preceding && !following) return placeWithoutNeighbours(site, enclosing);

  if (placement === "ownLine") return following ? leading(site, following) : trailing(site, preceding!);
  if (placement === "endOfLine") return preceding ? trailing(site, preceding) : leading(site, following!);
  if (preceding && following) {
    // `a /* c */, b` trails `a`; `a, /* c */ b` leads `b`.
    return isBlankGap(text.slice(site.end, following.span.start)) ? leading(site, following) : trailing(site, preceding);
  }
  return preceding ? trailing(site, preceding) : leading(site, following!);
}

const root = (site: Site) => site.ast as unknown as FlowNode;

/** The first node after the comment, inside its brackets, among the children of `node`'s ancestors. */
function followingFurtherOut(site: Site, node: FlowNode): FlowNode | undefined {
  for (let ancestor = parentOf(node); ancestor; ancestor = parentOf(ancestor)) {
    const { following } = neighbours(site, ancestor);
    if (following) return following === bodyBlock(ancestor) ? firstInside(following) : following;
  }
  return undefined;
}

/** Rule 1: the nearest children of `node` before and after the comment inside the comment's brackets. */
function neighbours(site: Site, node: FlowNode): { preceding?: FlowNode; following?: FlowNode } {
  const candidates = sortedChildren(node).filter((n) => site.brackets.innermost(n.span.start) === site.bracket);
  return {
    preceding: candidates.filter((n) => n.span.end <= site.start).at(-1),
    following: candidates.find((n) => n.span.start >= site.end),
  };
}

const TUPLES = new Set(["Tuple", "TupleType", "PatTuple"]);

/**
 * The printer writes the parentheses of grouping (`(a + b) * c`) itself, so a comment at the end of
 * them, `(a + b // why\n) * c`, is placed as if it came just after them: inside, a line comment
 * would break the lines of `a + b` and then be printed after the `)` anyway.
 */
function liftOutOfParentheses(site: Site): void {
  for (;;) {
    const pair = site.bracket;
    if (!pair || pair.char !== "(" || skipTrivia(site.text, site.end) !== pair.close) return;
    const grouped = allNodes(root(site)).find((n) => isGroupingParenthesis(site.text, n, pair));
    if (!grouped) return;
    site.start = site.end = grouped.span.end;
    site.bracket = site.brackets.innermost(grouped.span.start);
    site.enclosing = parentOf(grouped);
    if (site.enclosing === root(site)) site.enclosing = undefined;
  }
}

/** Whether `pair` is one of the parentheses around `node` (not a tuple's own). */
function isGroupingParenthesis(text: string, node: FlowNode, pair: BracketPair): boolean {
  if (node.span.start > pair.open || pair.close >= node.span.end) return false;
  let i = skipTrivia(text, node.span.start);
  let last = -1;
  while (text[i] === "(") {
    last = i;
    i = skipTrivia(text, i + 1);
  }
  if (pair.open > last || pair.open < node.span.start) return false;
  return !(TUPLES.has(node.kind) && pair.open === last);
}

function leading(site: Site, node: FlowNode): void {
  // Rule 4.
  if (endsLine(site.comment, site.text)) while (!startsLine(node)) node = parentOf(node) ?? node;
  util.addLeadingComment(node, site.comment);
}

function trailing(site: Site, node: FlowNode): void {
  const { comment, text } = site;
  // Printed with a line break: at the end of the line, or (when it stood on its own line) after it.
  const breaks = comment.style === "line" || util.hasNewline(text, comment.span.start, { backwards: true });
  // A comment moved to the end of the line belongs to everything that ends there: attached to an
  // inner node it would break the lines of the nodes around it.
  if (breaks) {
    for (let parent = parentOf(node); parent && parent !== root(site) && parent.span.end === node.span.end; parent = parentOf(node)) node = parent;
  }
  // Rule 3: a comment that would be printed after the `{` or the `=` that follows `node` goes into
  // the body, or before the value.
  let next = skipTrivia(text, node.span.end);
  while (text[next] === ";") next = skipTrivia(text, next + 1);
  if (breaks && text[next] === "{" && placeInBody(site, site.brackets.nextOpening(next, "{")!)) return;
  if (breaks && /^(?:=(?![=>])|~)/.test(text.slice(next, next + 2))) {
    const value = allNodes(root(site)).find((n) => n.span.start > next);
    if (value) return leading(site, value);
  }
  util.addTrailingComment(node, comment);
}

/** Puts the comment first in the body that `braces` delimit; false if nothing can hold it there. */
function placeInBody(site: Site, braces: BracketPair): boolean {
  const nodes = allNodes(site.ast as unknown as FlowNode);
  const first = nodes.find((n) => site.brackets.innermost(n.span.start) === braces);
  if (first) {
    leading(site, first);
    return true;
  }
  const owner = nodes.filter((n) => n.span.start < braces.open && braces.close < n.span.end).at(-1);
  if (!owner || !CONTAINERS.has(owner.kind)) return false;
  util.addDanglingComment(owner, site.comment, braces);
  return true;
}

/** Rule 5. */
function placeWithoutNeighbours(site: Site, enclosing: FlowNode | undefined): void {
  const { comment, text, brackets } = site;
  if (!enclosing) return void util.addDanglingComment(site.ast, comment, undefined);
  const atOwnLevel = site.bracket === brackets.innermost(enclosing.span.start);
  // Between a module's header and its body: into the body.
  if (atOwnLevel && (enclosing.kind === "ModuleDecl" || enclosing.kind === "ModelDecl")) {
    if (placeInBody(site, brackets.nextOpening(site.end, "{")!)) return;
  }
  // Alone inside brackets of the enclosing node: `f(/* c */)`, `module M { // c }`.
  if (!atOwnLevel && CONTAINERS.has(enclosing.kind)) return void util.addDanglingComment(enclosing, comment, site.bracket);
  // Between the words of a node (`use /* c */ std.nn`), or in the parentheses around a leaf
  // (`( /* c */ x)`): before or after the node, or before the next node when on its own line.
  if (site.start < codeStart(text, enclosing.span.start)) return leading(site, enclosing);
  const parent = parentOf(enclosing);
  const next = parent && site.placement === "ownLine" ? neighbours(site, parent).following : undefined;
  return next && next.span.start >= enclosing.span.end ? leading(site, next) : trailing(site, enclosing);
}

/** The first node inside a block or an `if` branch, where a comment moved into it goes. */
function firstInside(node: FlowNode): FlowNode {
  if (node.kind === "If") return firstInside(node["then"] as FlowNode);
  if (node.kind === "Block") return ((node["statements"] as FlowNode[])[0] ?? node["result"]) as FlowNode;
  return node;
}

/** Rule 2. */
function placeAtElseSeam(site: Site, enclosing: FlowNode): boolean {
  const { comment, brackets } = site;
  const at = site.start;
  if (enclosing.kind === "If") {
    const then = enclosing["then"] as FlowNode;
    const otherwise = enclosing["else"] as FlowNode;
    if (at < then.span.end || site.end > otherwise.span.start) return false;
    leading(site, firstInside(otherwise));
    return true;
  }
  if (enclosing.kind === "IfItem") {
    if (site.bracket !== brackets.innermost(enclosing.span.start)) return false;
    const thenBraces = brackets.nextOpening((enclosing["cond"] as FlowNode).span.end, "{")!;
    if (at < thenBraces.close) return false;
    const elseItems = (enclosing["else"] as FlowNode[] | undefined) ?? [];
    if (elseItems[0]) leading(site, elseItems[0]);
    else util.addDanglingComment(enclosing, comment, brackets.nextOpening(thenBraces.close, "{"));
    return true;
  }
  return false;
}

function bodyBlock(node: FlowNode): FlowNode | undefined {
  const body = node["body"];
  return (node.kind === "FnDecl" || node.kind === "LossDecl" || node.kind === "SamplerDecl") && isNode(body) && body.kind === "Block"
    ? body
    : undefined;
}

/** The value after `=`, `~` or `:` in assignment-like nodes. */
function rightHandSide(node: FlowNode): FlowNode | undefined {
  switch (node.kind) {
    case "ConfigEntry":
      return node["value"] as FlowNode;
    case "Arg":
      return node["name"] ? (node["value"] as FlowNode) : undefined;
    case "Param":
      return node["default"] as FlowNode | undefined;
    default:
      return assignedValue(node);
  }
}


/** Whether an `=`, `~` or `:` stands between `before`'s end (or start, for the enclosing node) and the comment. */
function afterOperator(site: Site, before: FlowNode): boolean {
  const from = before === site.enclosing ? before.span.start : before.span.end;
  return /[=~:]/.test(site.text.slice(from, site.start).replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ""));
}

/** Properties whose elements the printer puts one per line when their list breaks. */
const LINE_LISTS: Record<string, readonly string[]> = {
  Program: ["items"],
  ModuleDecl: ["items", "params"],
  ModelDecl: ["items", "params"],
  IfItem: ["then", "else"],
  Block: ["statements", "result"],
  FnDecl: ["attributes", "params"],
  Lambda: ["params", "body"],
  LossDecl: ["params"],
  SamplerDecl: ["params"],
  Call: ["args"],
  Attribute: ["args"],
  Index: ["indices"],
  List: ["elements"],
  Tuple: ["elements"],
  ListComprehension: ["element"],
  TrainDecl: ["config"],
  ExpectDecl: ["config"],
  UseDecl: ["names"],
  TensorType: ["dims"],
  TupleType: ["elements"],
  PatTuple: ["elements"],
};

/** Whether the printer can start a line with `node` (rule 4). */
function startsLine(node: FlowNode): boolean {
  const parent = parentOf(node);
  if (!parent) return true;
  const holds = (key: string) => {
    const value = parent[key];
    return Array.isArray(value) ? value.includes(node) : value === node;
  };
  if (LINE_LISTS[parent.kind]?.some(holds)) return true;
  if (parent.kind === "Binary") return parent["op"] !== "^" && parent["right"] === node;
  return assignedValue(parent) === node;
}
