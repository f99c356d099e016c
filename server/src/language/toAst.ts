// CST → AST. Tolerant of everything error recovery leaves behind: missing
// tokens become empty names (already reported as syntax errors), missing
// expressions become `false` literals, so every later phase can run on
// whatever did parse.

import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as A from "./ast";
import { diagnostic, type Diagnostic } from "./messages";
import { span, type Span } from "./span";
import { isConditionVerb, isLockForm, isVerb, LOCK_FORMS } from "./verbs";

type Children = Record<string, CstElement[] | undefined>;
const NONE: never[] = [];
const PRECEDENCE: Record<string, number> = { "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5 };

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

function usable(t: IToken | undefined): t is IToken {
  return t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  /** Where the most recent real token ended: the anchor for missing pieces. */
  private cursor = 0;

  constructor(private readonly text: string) {}

  file(node: CstNode): A.SourceFile {
    const items: A.Item[] = [];
    for (const itemNode of this.nodes(node, "item")) {
      const item = this.item(itemNode);
      if (item) items.push(item);
    }
    return { kind: "SourceFile", items, span: span(0, this.text.length) };
  }

  // ---- helpers -----------------------------------------------------------

  private children(node: CstNode): Children {
    return node.children as Children;
  }

  // chevrotain keys children by rule name (nodes) or token name (tokens), so
  // each list is homogeneous; these accessors avoid allocating in the common case.
  private nodes(node: CstNode, name: string): CstNode[] {
    return (this.children(node)[name] ?? NONE) as CstNode[];
  }

  private node(node: CstNode, name: string, i = 0): CstNode | undefined {
    return this.nodes(node, name)[i];
  }

  private tokens(node: CstNode, name: string): IToken[] {
    const list = (this.children(node)[name] ?? NONE) as IToken[];
    for (const t of list) if (!usable(t)) return list.filter(usable);
    return list;
  }

  private token(node: CstNode, name: string, i = 0): IToken | undefined {
    return this.tokens(node, name)[i];
  }

  private tokenSpan(t: IToken): Span {
    const s = span(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
    this.cursor = Math.max(this.cursor, s.end);
    return s;
  }

  private nodeSpan(node: CstNode): Span {
    const loc = node.location;
    if (loc && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset ?? NaN)) {
      return span(loc.startOffset, (loc.endOffset as number) + 1);
    }
    let start = Infinity;
    let end = -Infinity;
    const walk = (n: CstNode): void => {
      for (const list of Object.values(this.children(n))) {
        for (const e of list ?? []) {
          if (isToken(e)) {
            if (usable(e)) {
              start = Math.min(start, e.startOffset);
              end = Math.max(end, (e.endOffset ?? e.startOffset) + 1);
            }
          } else walk(e);
        }
      }
    };
    walk(node);
    return Number.isFinite(start) ? span(start, end) : span(this.cursor, this.cursor);
  }

  private ident(t: IToken | undefined): A.Ident {
    if (!t) return { name: "", span: span(this.cursor, this.cursor) };
    return { name: t.image, span: this.tokenSpan(t) };
  }

  private stringValue(t: IToken): string {
    const s = this.tokenSpan(t);
    const closed = t.tokenType.name === "ClosedString";
    if (!closed) this.diagnostics.push(diagnostic("unterminatedString", s));
    const body = t.image.slice(1, closed ? -1 : undefined);
    return body.replace(/\\(.)/g, "$1");
  }

  // ---- items -------------------------------------------------------------

  /** The name of the one rule an alternative-only rule (item, stmt) matched. */
  private chosen(node: CstNode): string | undefined {
    for (const k in node.children) if (k !== "Semicolon") return k;
    return undefined;
  }

  private item(node: CstNode): A.Item | undefined {
    const first = this.chosen(node) as ItemRule | undefined;
    const child = first ? this.node(node, first) : undefined;
    if (!first || !child) return undefined;
    return ITEMS[first](this, child);
  }

  scenarioDecl(node: CstNode): A.ScenarioDecl {
    const sp = this.nodeSpan(node);
    const str = this.token(node, "StringLiteral");
    return {
      kind: "ScenarioDecl",
      title: str ? this.stringValue(str) : "",
      titleSpan: str ? this.tokenSpan(str) : sp,
      span: sp,
    };
  }

  private instances(node: CstNode): A.Ident[] | undefined {
    const list = this.node(node, "instanceList");
    if (!list) return undefined;
    return this.tokens(list, "Identifier").map((t) => this.ident(t));
  }

  /** `[*]`: where the star is (its instances are filled in by program.ts). */
  private novalidate(node: CstNode): { novalidate?: Span } {
    const t = this.token(node, "novalidate");
    return t ? { novalidate: this.tokenSpan(t) } : {};
  }

  private star(node: CstNode): A.AllObjects {
    const list = this.node(node, "instanceList");
    const t = list && this.token(list, "Star");
    return t ? { star: this.tokenSpan(t) } : {};
  }

  importDecl(node: CstNode): A.ImportDecl {
    const sp = this.nodeSpan(node);
    const str = this.token(node, "StringLiteral");
    return { kind: "ImportDecl", path: str ? this.stringValue(str) : "", pathSpan: str ? this.tokenSpan(str) : sp, span: sp };
  }

  objectDecl(node: CstNode): A.ObjectDecl {
    return { kind: "ObjectDecl", names: this.tokens(node, "name").map((t) => this.ident(t)), span: this.nodeSpan(node) };
  }

  lockDecl(node: CstNode): A.LockDecl {
    const sp = this.nodeSpan(node);
    let lockKind: A.LockKind = "mutex";
    if (this.token(node, "Recursive")) lockKind = "recursive mutex";
    else if (this.token(node, "Rwsem")) lockKind = "rwsem";
    else if (this.token(node, "Spinlock")) lockKind = "spinlock";
    return { kind: "LockDecl", lockKind, name: this.ident(this.token(node, "Identifier")), instances: this.instances(node), ...this.star(node), ...this.novalidate(node), span: sp };
  }

  varDecl(node: CstNode): A.VarDecl {
    const sp = this.nodeSpan(node);
    const name = this.ident(this.token(node, "Identifier"));
    const instances = this.instances(node);
    return { kind: "VarDecl", name, instances, ...this.star(node), init: this.constant(node), span: sp };
  }

  /** The `constant` child of a declaration: `-5`, `true`, … */
  private constant(node: CstNode): A.IntLiteral | A.BoolLiteral | undefined {
    const constNode = this.node(node, "constant");
    if (!constNode) return undefined;
    const cs = this.nodeSpan(constNode);
    const int = this.token(constNode, "Integer");
    if (int) {
      const negative = this.token(constNode, "Minus") !== undefined;
      const text = (negative ? "-" : "") + int.image;
      return { kind: "IntLiteral", value: Number(text), text, span: cs };
    }
    if (this.token(constNode, "True")) return { kind: "BoolLiteral", value: true, span: cs };
    if (this.token(constNode, "False")) return { kind: "BoolLiteral", value: false, span: cs };
    return undefined;
  }

  private params(node: CstNode): A.Ident[] {
    const list = this.node(node, "paramList");
    return list ? this.tokens(list, "Identifier").map((t) => this.ident(t)) : [];
  }

  fnDecl(node: CstNode): A.FnDecl {
    const sp = this.nodeSpan(node);
    const name = this.ident(this.token(node, "Identifier"));
    const params = this.params(node);
    return { kind: "FnDecl", name, params, body: this.block(this.node(node, "block")), span: sp };
  }

  driverDecl(node: CstNode): A.DriverDecl {
    const sp = this.nodeSpan(node);
    const name = this.ident(this.token(node, "Identifier"));
    const callbacks = this.nodes(node, "callbackDecl").map((cb) => {
      const csp = this.nodeSpan(cb);
      const cbName = this.ident(this.token(cb, "Identifier"));
      const params = this.params(cb);
      return { kind: "CallbackDecl", name: cbName, params, body: this.block(this.node(cb, "block")), span: csp } as const;
    });
    return { kind: "DriverDecl", name, callbacks, span: sp };
  }

  cpuDecl(node: CstNode): A.CpuDecl {
    const sp = this.nodeSpan(node);
    const name = this.ident(this.token(node, "Identifier"));
    const str = this.token(node, "StringLiteral");
    const label = str ? this.stringValue(str) : undefined;
    return { kind: "CpuDecl", name, label, body: this.block(this.node(node, "block")), span: sp };
  }

  workqueueDecl(node: CstNode): A.WorkqueueDecl {
    const sp = this.nodeSpan(node);
    const int = this.token(node, "Integer");
    const maxActive: A.IntLiteral | undefined = int ? { kind: "IntLiteral", value: Number(int.image), text: int.image, span: this.tokenSpan(int) } : undefined;
    return { kind: "WorkqueueDecl", name: this.ident(this.token(node, "name")), ordered: this.token(node, "ordered") !== undefined, maxActive, span: sp };
  }

  workDecl(node: CstNode): A.WorkDecl {
    const sp = this.nodeSpan(node);
    const name = this.ident(this.token(node, "name"));
    const instances = this.instances(node);
    const on = this.token(node, "on");
    if (on && on.image !== "on") this.diagnostics.push(diagnostic("workOn", this.tokenSpan(on), name.name, on.image));
    const queue = this.ident(this.token(node, "queue"));
    return { kind: "WorkDecl", name, instances, ...this.star(node), queue, params: this.params(node), body: this.block(this.node(node, "block")), span: sp };
  }

  kthreadDecl(node: CstNode): A.KthreadDecl {
    const sp = this.nodeSpan(node);
    const str = this.token(node, "StringLiteral");
    return { kind: "KthreadDecl", name: this.ident(this.token(node, "name")), label: str ? this.stringValue(str) : undefined, body: this.block(this.node(node, "block")), span: sp };
  }

  handlerDecl(node: CstNode): A.HandlerDecl {
    const sp = this.nodeSpan(node);
    const context = this.token(node, "keyword")!.image === "softirq" ? "softirq" : "irq";
    const name = this.ident(this.token(node, "name"));
    const on = this.token(node, "on");
    if (on && on.image !== "on") this.diagnostics.push(diagnostic("handlerOn", this.tokenSpan(on), context, name.name, on.image));
    return { kind: "HandlerDecl", context, name, cpu: this.ident(this.token(node, "cpu")), body: this.block(this.node(node, "block")), span: sp };
  }

  rwlockDecl(node: CstNode): A.LockDecl {
    return { kind: "LockDecl", lockKind: "rwlock", name: this.ident(this.token(node, "name")), instances: this.instances(node), ...this.novalidate(node), span: this.nodeSpan(node) };
  }

  lockFormStmt(child: CstNode, sp: Span): A.Stmt | undefined {
    const form = this.token(child, "form");
    if (!form || !isLockForm(form.image)) return undefined;
    this.tokenSpan(form);
    const { op, irq } = LOCK_FORMS[form.image];
    return { kind: "LockStmt", op, irq, lock: this.ref(this.node(child, "ref")), span: sp };
  }

  primitiveDecl(node: CstNode): A.PrimitiveDecl {
    const sp = this.nodeSpan(node);
    const what = this.token(node, "keyword")!.image as A.PrimitiveKind;
    return { kind: "PrimitiveDecl", what, name: this.ident(this.token(node, "name")), instances: this.instances(node), ...this.star(node), span: sp };
  }

  expectDecl(node: CstNode): A.ExpectDecl {
    const sp = this.nodeSpan(node);
    this.token(node, "Expect");
    return { kind: "ExpectDecl", words: this.tokens(node, "Identifier").map((t) => this.ident(t)), span: sp };
  }

  // ---- statements --------------------------------------------------------

  private block(node: CstNode | undefined): A.Block {
    if (!node) return { kind: "Block", stmts: [], span: span(this.cursor, this.cursor) };
    const sp = this.nodeSpan(node);
    const stmts: A.Stmt[] = [];
    for (const s of this.nodes(node, "stmt")) {
      const st = this.stmt(s);
      if (st) stmts.push(st);
    }
    return { kind: "Block", stmts, span: sp };
  }

  private stmt(node: CstNode): A.Stmt | undefined {
    const first = this.chosen(node) as StmtRule | undefined;
    const child = first ? this.node(node, first) : undefined;
    if (!first || !child) return undefined;
    return STMTS[first](this, child, this.nodeSpan(child));
  }

  lockStmt(child: CstNode, sp: Span): A.Stmt {
    const op: A.LockOp = this.token(child, "Unlock") ? "unlock" : this.token(child, "Rlock") ? "rlock" : this.token(child, "Runlock") ? "runlock" : "lock";
    return { kind: "LockStmt", op, lock: this.ref(this.node(child, "ref")), span: sp };
  }

  trylockStmt(child: CstNode, sp: Span, op: A.TrylockOp): A.Stmt {
    return { kind: "TrylockStmt", op, lock: this.ref(this.node(child, "ref")), span: sp };
  }

  localVarStmt(child: CstNode, sp: Span): A.Stmt {
    return { kind: "LocalVarStmt", name: this.ident(this.token(child, "Identifier")), init: this.constant(child), span: sp };
  }

  verbStmt(child: CstNode, sp: Span): A.Stmt | undefined {
    const verb = this.token(child, "verb");
    if (!verb || !isVerb(verb.image)) return undefined;
    const verbSpan = this.tokenSpan(verb);
    const ref = this.node(child, "ref");
    const block = this.node(child, "block");
    return { kind: "VerbStmt", verb: verb.image, verbSpan, target: ref ? this.ref(ref) : undefined, body: block ? this.block(block) : undefined, span: sp };
  }

  whileStmt(child: CstNode, sp: Span): A.Stmt {
    return { kind: "WhileStmt", cond: this.expr(this.node(child, "expr")), body: this.block(this.node(child, "block")), span: sp };
  }

  eitherStmt(child: CstNode, sp: Span): A.Stmt {
    return { kind: "EitherStmt", branches: this.nodes(child, "eitherBranch").map((b) => this.eitherBranch(b)), span: sp };
  }

  waitStmt(child: CstNode, sp: Span): A.Stmt {
    return { kind: "WaitStmt", cond: this.expr(this.node(child, "expr")), span: sp };
  }

  assertStmt(child: CstNode, sp: Span): A.Stmt {
    const cond = this.expr(this.node(child, "expr"));
    const str = this.token(child, "StringLiteral");
    return { kind: "AssertStmt", cond, message: str ? this.stringValue(str) : undefined, span: sp };
  }

  ifStmt(node: CstNode): A.IfStmt {
    const sp = this.nodeSpan(node);
    const cond = this.expr(this.node(node, "expr"));
    const then = this.block(this.node(node, "block", 0));
    let otherwise: A.Block | A.IfStmt | undefined;
    if (this.token(node, "Else")) {
      const nested = this.node(node, "ifStmt");
      if (nested) otherwise = this.ifStmt(nested);
      else {
        const b = this.node(node, "block", 1);
        if (b) otherwise = this.block(b);
      }
    }
    return { kind: "IfStmt", cond, then, otherwise, span: sp };
  }

  private eitherBranch(node: CstNode): A.EitherBranch {
    const sp = this.nodeSpan(node);
    const str = this.token(node, "StringLiteral");
    const labelSpan = str ? this.tokenSpan(str) : undefined;
    const label = str ? this.stringValue(str) : undefined;
    return { kind: "EitherBranch", label, labelSpan, body: this.block(this.node(node, "block")), span: sp };
  }

  nameStmt(node: CstNode, sp: Span): A.Stmt | undefined {
    const ids = this.tokens(node, "Identifier");
    const first = this.ident(ids[0]);
    const args = this.node(node, "argList");
    if (this.token(node, "Dot")) {
      const cb = this.ident(ids[1]);
      return { kind: "CallStmt", driver: first, callee: cb, args: this.args(args), span: sp };
    }
    if (args) return { kind: "CallStmt", driver: undefined, callee: first, args: this.args(args), span: sp };
    const index = this.token(node, "LBracket") ? this.ident(ids[1]) : undefined;
    const targetEnd = index ? (this.token(node, "RBracket") ? this.tokenSpan(this.token(node, "RBracket")!).end : index.span.end) : first.span.end;
    const target: A.Ref = { name: first, index, span: span(first.span.start, targetEnd) };
    return { kind: "AssignStmt", target, value: this.expr(this.node(node, "expr")), span: sp };
  }

  private args(node: CstNode | undefined): A.Expr[] {
    return node ? this.nodes(node, "expr").map((e) => this.expr(e)) : [];
  }

  private ref(node: CstNode | undefined): A.Ref {
    if (!node) {
      const name = this.ident(undefined);
      return { name, index: undefined, span: name.span };
    }
    const sp = this.nodeSpan(node);
    const ids = this.tokens(node, "Identifier");
    const name = this.ident(ids[0]);
    const index = this.token(node, "LBracket") ? this.ident(ids[1]) : undefined;
    return { name, index, span: sp };
  }

  // ---- expressions -------------------------------------------------------

  private missingExpr(): A.Expr {
    return { kind: "BoolLiteral", value: false, span: span(this.cursor, this.cursor) };
  }

  private expr(node: CstNode | undefined): A.Expr {
    if (!node) return this.missingExpr();
    const operands = this.nodes(node, "unaryExpr");
    if (operands.length === 0) return this.missingExpr();
    if (operands.length === 1) return this.unaryExpr(operands[0]!); // the usual case
    const ops = this.tokens(node, "BinaryOperator");
    // Precedence climbing over the flat row: all binary operators are left-associative.
    const values = operands.map((o) => this.unaryExpr(o));
    let i = 0;
    const climb = (minPrec: number): A.Expr => {
      let left = values[i]!;
      while (i < ops.length && PRECEDENCE[ops[i]!.image]! >= minPrec) {
        const op = ops[i]!.image as A.BinaryOp;
        const prec = PRECEDENCE[op]!;
        i++;
        if (i >= values.length) break;
        const right = climb(prec + 1);
        left = { kind: "BinaryExpr", op, left, right, span: span(left.span.start, right.span.end) };
      }
      return left;
    };
    return climb(0);
  }

  private unaryExpr(node: CstNode): A.Expr {
    const prim = this.node(node, "primary");
    if (prim) return this.primary(prim);
    const inner = this.node(node, "unaryExpr");
    const opTok = this.token(node, "Bang") ?? this.token(node, "Minus");
    const operand = inner ? this.unaryExpr(inner) : this.missingExpr();
    const start = opTok ? this.tokenSpan(opTok).start : operand.span.start;
    if (opTok?.image === "-" && operand.kind === "IntLiteral" && !operand.text.startsWith("-")) {
      // `-5` is a literal, so that -128 is in range while 128 is not.
      const text = "-" + operand.text;
      return { kind: "IntLiteral", value: -operand.value, text, span: span(start, operand.span.end) };
    }
    return { kind: "UnaryExpr", op: opTok?.image === "-" ? "-" : "!", operand, span: span(start, operand.span.end) };
  }

  private primary(node: CstNode): A.Expr {
    const sp = this.nodeSpan(node);
    const int = this.token(node, "Integer");
    if (int) return { kind: "IntLiteral", value: Number(int.image), text: int.image, span: this.tokenSpan(int) };
    if (this.token(node, "True")) return { kind: "BoolLiteral", value: true, span: sp };
    if (this.token(node, "False")) return { kind: "BoolLiteral", value: false, span: sp };
    const inner = this.node(node, "expr");
    if (inner) {
      const e = this.expr(inner);
      return e;
    }
    if (this.token(node, "Held") || this.token(node, "Locked")) {
      return { kind: "LockQuery", query: this.token(node, "Held") ? "held" : "locked", lock: this.ref(this.node(node, "ref")), span: sp };
    }
    if (this.token(node, "Trylock")) return { kind: "TrylockExpr", op: "trylock", lock: this.ref(this.node(node, "ref")), span: sp };
    if (this.token(node, "rtrylock")) return { kind: "TrylockExpr", op: "rtrylock", lock: this.ref(this.node(node, "ref")), span: sp };
    const test = this.token(node, "verbTest");
    if (test && isConditionVerb(test.image)) return { kind: "VerbTest", verb: test.image, verbSpan: this.tokenSpan(test), target: this.ref(this.node(node, "ref")), span: sp };
    const callee = this.token(node, "callee");
    if (callee) {
      const args = this.args(this.node(node, "argList"));
      if (callee.image === "kthread_should_stop" && args.length === 0) {
        this.tokenSpan(callee);
        return { kind: "ShouldStopExpr", span: sp };
      }
      return { kind: "CallExpr", callee: this.ident(callee), args, span: sp };
    }
    const ref = this.node(node, "ref");
    if (ref) {
      const r = this.ref(ref);
      return { kind: "NameExpr", ref: r, span: r.span };
    }
    return this.missingExpr();
  }
}

/**
 * The alternatives of the grammar's `item` and `stmt` rules, each with its
 * builder. Typed tables instead of string switches: a rule name here that
 * has no builder is a type error, and test/language/grammar.test.ts checks
 * that these are exactly the grammar's alternatives (a new rule without a
 * builder fails it instead of vanishing from the AST).
 */
export const ITEM_RULES = ["scenarioDecl", "lockDecl", "varDecl", "fnDecl", "driverDecl", "cpuDecl", "expectDecl", "workqueueDecl", "workDecl", "kthreadDecl", "primitiveDecl", "handlerDecl", "rwlockDecl", "importDecl", "objectDecl"] as const;
export const STMT_RULES = ["lockStmt", "trylockStmt", "rtrylockStmt", "verbStmt", "lockFormStmt", "localVarStmt", "ifStmt", "whileStmt", "eitherStmt", "waitStmt", "assertStmt", "returnStmt", "nameStmt"] as const;
type ItemRule = (typeof ITEM_RULES)[number];
type StmtRule = (typeof STMT_RULES)[number];

const ITEMS: { readonly [R in ItemRule]: (b: AstBuilder, node: CstNode) => A.Item } = {
  scenarioDecl: (b, n) => b.scenarioDecl(n),
  lockDecl: (b, n) => b.lockDecl(n),
  varDecl: (b, n) => b.varDecl(n),
  fnDecl: (b, n) => b.fnDecl(n),
  driverDecl: (b, n) => b.driverDecl(n),
  cpuDecl: (b, n) => b.cpuDecl(n),
  expectDecl: (b, n) => b.expectDecl(n),
  workqueueDecl: (b, n) => b.workqueueDecl(n),
  workDecl: (b, n) => b.workDecl(n),
  kthreadDecl: (b, n) => b.kthreadDecl(n),
  primitiveDecl: (b, n) => b.primitiveDecl(n),
  handlerDecl: (b, n) => b.handlerDecl(n),
  rwlockDecl: (b, n) => b.rwlockDecl(n),
  importDecl: (b, n) => b.importDecl(n),
  objectDecl: (b, n) => b.objectDecl(n),
};

const STMTS: { readonly [R in StmtRule]: (b: AstBuilder, node: CstNode, sp: Span) => A.Stmt | undefined } = {
  lockStmt: (b, n, sp) => b.lockStmt(n, sp),
  trylockStmt: (b, n, sp) => b.trylockStmt(n, sp, "trylock"),
  rtrylockStmt: (b, n, sp) => b.trylockStmt(n, sp, "rtrylock"),
  verbStmt: (b, n, sp) => b.verbStmt(n, sp),
  lockFormStmt: (b, n, sp) => b.lockFormStmt(n, sp),
  localVarStmt: (b, n, sp) => b.localVarStmt(n, sp),
  ifStmt: (b, n) => b.ifStmt(n),
  whileStmt: (b, n, sp) => b.whileStmt(n, sp),
  eitherStmt: (b, n, sp) => b.eitherStmt(n, sp),
  waitStmt: (b, n, sp) => b.waitStmt(n, sp),
  assertStmt: (b, n, sp) => b.assertStmt(n, sp),
  returnStmt: (_b, _n, sp) => ({ kind: "ReturnStmt", span: sp }),
  nameStmt: (b, n, sp) => b.nameStmt(n, sp),
};

export function toAst(text: string, cst: CstNode): { ast: A.SourceFile; diagnostics: Diagnostic[] } {
  const builder = new AstBuilder(text);
  const ast = builder.file(cst);
  return { ast, diagnostics: builder.diagnostics };
}
