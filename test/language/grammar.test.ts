// Every alternative the grammar has for a top-level item or a statement has
// a builder in toAst.ts, and no builder is left for a rule that is gone:
// a new statement cannot silently vanish from the AST.

import { describe, expect, it } from "vitest";
import { ruleAlternatives } from "../../server/src/language/parser";
import { ITEM_RULES, STMT_RULES } from "../../server/src/language/toAst";

describe("CST → AST builders", () => {
  it("cover exactly the grammar's items", () => {
    expect([...new Set(ruleAlternatives("item"))].sort()).toEqual([...ITEM_RULES].sort());
  });

  it("cover exactly the grammar's statements", () => {
    expect([...new Set(ruleAlternatives("stmt"))].sort()).toEqual([...STMT_RULES].sort());
  });
});
