// The extension in a real VS Code: code-server 4.100.3 in headless Debian
// Chromium, driven by playwright-core. Installs the packaged .vsix, opens a
// deadlocking scenario, sees the deadlock in the Problems panel, hovers a
// lock, replays the trace in the trace view (stepping with the keyboard),
// applies the verified quick fix and sees the scenario become safe; hovers
// a §9 flush_work (what it found at the call) coloured as a keyword; a §10
// interrupt handler's deadlock: its trace nested in its CPU's column, the
// handler's hover, the lock_irqsave quick fix.
// Screenshots go to .e2e/screenshots/ (kept on success and on failure).

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Frame, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../helpers";

const e2e = join(root, ".e2e");
const shots = join(e2e, "screenshots");
const codeServer = join(e2e, "code-server", "node_modules", ".bin", "code-server");
const vsix = join(root, "dist", "race-scenarios.vsix");

const ABBA = `scenario "AB-BA in two paths"

mutex A
mutex B

cpu CPU0 "first path" {
  lock A
  lock B
  unlock B
  unlock A
}

cpu CPU1 "second path" {
  lock B
  lock A
  unlock A
  unlock B
}
`;

function splatText(name: string): string {
  return readFileSync(join(root, "..", "shared", "splats", name), "utf8")
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
}

const lockdepReport = splatText("13_syz_rtnl_recursive.txt");

/** A hardirq handler that takes a lock its CPU's task takes with interrupts on (race-language.md §10). */
const VBLANK = `spinlock event_lock
irq vblank on CPU0 {
  lock event_lock
  unlock event_lock
}
cpu CPU0 {
  lock event_lock
  unlock event_lock
}
`;

/** A work item flushed under a lock its body takes (race-language.md §9). */
const FLUSH_UNDER_RTNL = `mutex rtnl
workqueue events
work link on events {
  lock rtnl
  unlock rtnl
}
cpu CPU0 {
  lock rtnl
  queue_work link
  flush_work link
  unlock rtnl
}
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url}`);
}

describe("VS Code (code-server) with the packaged extension", () => {
  let server: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let workspace: string;
  let step = 0;

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(shots, `${String(++step).padStart(2, "0")}-${name}.png`) });
  };

  const command = async (title: string): Promise<void> => {
    await page.keyboard.press("Control+Shift+P");
    await page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: 30_000 });
    await page.keyboard.type(title);
    await page.waitForTimeout(600);
    await page.keyboard.press("Enter");
  };

  const goTo = async (line: number, column: number): Promise<void> => {
    await page.keyboard.press("Control+G");
    await page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: 30_000 });
    await page.keyboard.type(`${line}:${column}`);
    await page.keyboard.press("Enter");
    await page.waitForTimeout(300);
  };

  /** The webview frame (any of them) that has `selector`. */
  const frameWith = async (selector: string): Promise<Frame> => {
    let found: Frame | undefined;
    await expect
      .poll(
        async () => {
          for (const f of page.frames()) if ((await f.locator(selector).count().catch(() => 0)) > 0) return (found = f) !== undefined;
          return false;
        },
        { timeout: 60_000 },
      )
      .toBe(true);
    return found!;
  };

  const openFile = async (name: string): Promise<void> => {
    await page.keyboard.press("Control+P");
    await page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: 30_000 });
    await page.keyboard.type(name);
    await page.waitForTimeout(600);
    await page.keyboard.press("Enter");
    await page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 30_000 });
  };

  beforeAll(async () => {
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    const base = mkdtempSync(join(tmpdir(), "race-e2e-"));
    const userData = join(base, "user");
    const extensions = join(base, "extensions");
    workspace = join(base, "workspace");
    mkdirSync(join(userData, "User"), { recursive: true });
    mkdirSync(workspace, { recursive: true });
    writeFileSync(
      join(userData, "User", "settings.json"),
      JSON.stringify({
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoUpdate": false,
        "extensions.autoCheckUpdates": false,
        "workbench.startupEditor": "none",
        "security.workspace.trust.enabled": false,
        "git.enabled": false,
        "workbench.tips.enabled": false,
        "editor.hover.delay": 100,
        "race.debounceMs": 50,
      }),
    );
    writeFileSync(join(workspace, "abba.race"), ABBA);
    copyFileSync(join(root, "samples", "v9-remove-vs-unbind.race"), join(workspace, "v9-remove-vs-unbind.race"));
    // The exploration features: every sample as a test, v11 to simulate, a three-lock cycle to draw.
    mkdirSync(join(workspace, "samples"));
    for (const f of readdirSync(join(root, "samples"))) copyFileSync(join(root, "samples", f), join(workspace, "samples", f));
    copyFileSync(join(root, "test", "fixtures", "editor", "three-lock-cycle.race"), join(workspace, "three-lock-cycle.race"));
    // Lockdep reports (../shared/splats, without their # lines): one pasted into a scenario file, one to select.
    writeFileSync(join(workspace, "pasted-report.race"), lockdepReport);
    writeFileSync(join(workspace, "flush-under-rtnl.race"), FLUSH_UNDER_RTNL);
    writeFileSync(join(workspace, "vblank.race"), VBLANK);
    writeFileSync(join(workspace, "console.txt"), splatText("12_syz_ip_setsockopt_rtnl.txt"));
    const install = spawnSync(codeServer, ["--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", vsix], { encoding: "utf8" });
    expect(install.status, install.stdout + install.stderr).toBe(0);
    const port = await freePort();
    server = spawn(
      codeServer,
      [
        "--bind-addr",
        `127.0.0.1:${port}`,
        "--auth",
        "none",
        "--user-data-dir",
        userData,
        "--extensions-dir",
        extensions,
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        "--ignore-last-opened",
        workspace,
      ],
      { stdio: "ignore" },
    );
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
    context = await chromium.launchPersistentContext(join(base, "chromium"), {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1600, height: 1000 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ timeout: 120_000 });
  });

  afterAll(async () => {
    if (page) await shot("final").catch(() => undefined);
    await context?.close();
    server?.kill();
  });

  const fail = async (name: string, err: unknown): Promise<never> => {
    await shot(`FAILED-${name}`).catch(() => undefined);
    throw err;
  };

  it("shows the deadlock in the Problems panel", async () => {
    try {
      await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "abba.race" }).first().click();
      await page.locator(".monaco-editor .squiggly-error").first().waitFor({ timeout: 120_000 });
      await command("Problems: Focus on Problems View");
      const row = page.locator(".markers-panel .monaco-list-row", { hasText: "Deadlock" }).first();
      await row.waitFor({ timeout: 60_000 });
      const labels = await page.locator(".markers-panel .monaco-list-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("aria-label") ?? r.textContent ?? ""));
      expect(labels.some((l) => l.includes("Deadlock: CPU0 waits for B"))).toBe(true);
      await expect.poll(async () => page.locator('[id="status.problems"]').getAttribute("aria-label")).toMatch(/Errors?: 2/);
      await shot("problems");
    } catch (e) {
      await fail("problems", e);
    }
  });

  it("hovers a lock statement with the locks held on arrival", async () => {
    try {
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await goTo(15, 4); // on the keyword of "  lock A" in CPU1: the statement's hover
      await command("Show or Focus Hover");
      const hover = page.locator(".monaco-hover-content").filter({ hasText: "Locks held on arrival" }).first();
      await hover.waitFor({ timeout: 30_000 });
      expect(await hover.textContent()).toContain("CPU1: always B");
      await shot("hover-statement");
      await page.keyboard.press("Escape");
      await goTo(15, 8); // on the lock's name: who takes it, in which order
      await command("Show or Focus Hover");
      const lockHover = page.locator(".monaco-hover-content").filter({ hasText: "Taken while holding it" }).first();
      await lockHover.waitFor({ timeout: 30_000 });
      expect(await lockHover.textContent()).toContain("CPU1: always B");
      await shot("hover");
      await page.keyboard.press("Escape");
    } catch (e) {
      await fail("hover", e);
    }
  });

  it("replays the trace in the trace view and steps through it", async () => {
    try {
      await page.keyboard.press("Escape");
      const lens = page.locator(".codelens-decoration a", { hasText: "Replay trace" }).first();
      await lens.waitFor({ timeout: 60_000 }); // the lens is there; the command is what it runs
      await command("Race: Replay Trace");
      const frame = page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
      const table = frame.locator("#trace");
      await table.waitFor({ timeout: 60_000 });
      expect(await frame.locator("#trace thead").textContent()).toContain("CPU0");
      await expect.poll(async () => frame.locator("#position").textContent()).toContain("final state (after 2 steps)");
      expect(await frame.locator("tr.blocked").textContent()).toContain("lock B");
      await shot("trace-final");
      await frame.locator("#first").click();
      await expect.poll(async () => frame.locator("#position").textContent()).toBe("step 1 of 2");
      await frame.locator("body").press("ArrowRight");
      await expect.poll(async () => frame.locator("#position").textContent()).toBe("step 2 of 2");
      expect(await frame.locator("#details").textContent()).toContain("After step 2: CPU1 lock B");
      await shot("trace-step-2");
      // The same view in a dark theme: it takes the theme's colours.
      await command("Preferences: Toggle between Light/Dark Themes");
      await expect.poll(async () => page.locator(".monaco-workbench").getAttribute("class"), { timeout: 30_000 }).toMatch(/vs-dark/);
      const background = (b: unknown): string => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(b).backgroundColor;
      await expect.poll(async () => frame.locator("body").evaluate(background)).not.toBe("rgb(255, 255, 255)");
      await shot("trace-dark");
      await command("Preferences: Toggle between Light/Dark Themes");
    } catch (e) {
      await fail("trace", e);
    }
  });

  it("shows the lock-order graph with its confirmed inversion", async () => {
    try {
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click(); // the command is offered in a .race editor
      await command("Race: Show Lock-Order Graph");
      const graph = page.frameLocator("iframe.webview.ready").last().frameLocator("#active-frame");
      await graph.locator("h2", { hasText: "Lock-order graph" }).waitFor({ timeout: 60_000 });
      expect(await graph.locator("li.confirmed").textContent()).toContain("A → B → A: confirmed");
      await shot("lock-graph");
    } catch (e) {
      await fail("lock-graph", e);
    }
  });

  it("applies the verified quick fix and the scenario becomes safe", async () => {
    try {
      await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "abba.race" }).first().click(); // back to the editor
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await goTo(15, 3);
      await page.keyboard.press("Control+.");
      const item = page.locator(".action-widget .monaco-list-row", { hasText: "verified" }).first();
      await item.waitFor({ timeout: 30_000 });
      await shot("quick-fix-menu");
      await page.keyboard.press("Enter"); // the first (preferred) verified fix
      await expect.poll(async () => page.locator(".monaco-editor .squiggly-error").count(), { timeout: 60_000 }).toBe(0);
      await expect.poll(async () => page.locator(".codelens-decoration").first().textContent(), { timeout: 60_000 }).toMatch(/✓ safe/);
      // Back in the trace view, it says its trace is for an older text.
      await page.locator(".tab", { hasText: "Trace: deadlock" }).first().click();
      const traceFrame = async (): Promise<Frame | undefined> => {
        for (const f of page.frames()) if ((await f.locator("#trace").count().catch(() => 0)) > 0) return f;
        return undefined;
      };
      await expect.poll(async () => (await traceFrame())?.locator("#stale").isVisible(), { timeout: 30_000 }).toBe(true);
      await shot("fixed");
      await page.keyboard.press("Control+S");
      await expect.poll(() => readFileSync(join(workspace, "abba.race"), "utf8"), { timeout: 30_000 }).not.toBe(ABBA);
    } catch (e) {
      await fail("quick-fix", e);
    }
  });

  it("opens the v9 sample: its expected deadlock is information, with the verdict lens", async () => {
    try {
      await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "v9-remove-vs-unbind.race" }).first().click();
      const lens = page.locator(".codelens-decoration", { hasText: "deadlock (expected)" }).first();
      await lens.waitFor({ timeout: 60_000 });
      // The sample is written on the kernel library (linux/pci-reentrant): its trace starts in remove_store_v9's sysfs block.
      expect(await lens.textContent()).toMatch(/✓ deadlock \(expected\) · 5 steps · 9 states/);
      await command("Problems: Focus on Problems View");
      const row = page.locator(".markers-panel .monaco-list-row", { hasText: "Deadlock: CPU0 waits for device_lock[pf]" }).first();
      await row.waitFor({ timeout: 60_000 });
      expect(await row.getAttribute("aria-label")).toMatch(/^Info/);
      await shot("v9-sample");
    } catch (e) {
      await fail("v9-sample", e);
    }
  });

  it("simulates v11 by hand to the point where bind sees the device dead", async () => {
    try {
      await command("View: Close All Editors");
      await openFile("v11-kill-device.race");
      await page.locator(".codelens-decoration a", { hasText: "Simulate" }).first().waitFor({ timeout: 60_000 });
      await command("Race: Simulate");
      const sim = await frameWith("#options");
      const take = async (label: string): Promise<void> => {
        const before = await sim.locator("#history li").count();
        await sim.locator("button.option", { hasText: label }).first().click();
        await expect.poll(async () => sim.locator("#history li").count(), { timeout: 30_000 }).toBe(before + 1);
      };
      await expect.poll(async () => sim.locator("#position").textContent(), { timeout: 30_000 }).toBe("initial state");
      // v11 is written on the kernel library: remove_store_v11 (linux/pci-reentrant) enters its sysfs block,
      // removes it, then kill_device() marks the device dead under its lock. Each step shows at the
      // scenario's own call (CPU0's line 13, CPU1's bind_store line 14).
      expect(await sim.locator("#kernel").textContent()).toContain("remove_attr[pf]active, no active reference");
      await take("CPU0: sysfs remove_attr[pf]");
      await take("CPU0: kernfs_remove_self remove_attr[pf]");
      await take("CPU0: lock device_lock[pf]");
      await take("CPU0: assert held(device_lock[pf])");
      await take("CPU0: dead[pf] = true");
      await take("CPU0: unlock device_lock[pf]");
      await take("CPU1: lock device_lock[pf]");
      await take("CPU1: if !dead[pf] && !bound[pf]");
      expect(await sim.locator("#history li").last().textContent()).toContain("CPU1: if !dead[pf] && !bound[pf] → false");
      expect(await sim.locator("#vars").textContent()).toContain("dead[pf]true");
      expect(await sim.locator("#cpus").textContent()).toContain("unlock device_lock[pf]");
      // CPU0's store is still in its sysfs block: kernfs_remove_self took its reference back.
      expect(await sim.locator("#kernel").textContent()).toContain("remove_attr[pf]removed; active references: CPU0");
      // A CPU's line links to its statement in the editor (its call in the scenario, for library code).
      await sim.locator("#cpus a", { hasText: "line 14" }).first().click();
      // The cursor goes there: the breadcrumbs name the CPU block it is in.
      await expect.poll(async () => page.locator(".editor-group-container .breadcrumbs-control").first().textContent(), { timeout: 30_000 }).toContain("CPU1");
      await shot("simulate-v11");
      await sim.locator("#back").click();
      await expect.poll(async () => sim.locator("#position").textContent(), { timeout: 30_000 }).toBe("after 7 steps");
    } catch (e) {
      await fail("simulate", e);
    }
  });

  it("steps back through the v9 deadlock in the debugger", async () => {
    try {
      await command("View: Close All Editors");
      await openFile("v9-remove-vs-unbind.race");
      await page.locator(".codelens-decoration a", { hasText: "Debug trace" }).first().waitFor({ timeout: 60_000 });
      await command("Race: Debug Trace");
      const threads = page.locator(".debug-call-stack .monaco-list-row");
      await expect.poll(async () => (await threads.allTextContents()).join(" | "), { timeout: 60_000 }).toMatch(/CPU0.*CPU1/);
      await command("Debug: Continue");
      await page.locator(".zone-widget .exception-widget, .exception-widget").first().waitFor({ timeout: 60_000 });
      expect(await page.locator(".exception-widget").first().textContent()).toContain("Deadlock: CPU0 waits for device_lock[pf]");
      await expect.poll(async () => (await threads.allTextContents()).join(" | "), { timeout: 30_000 }).toMatch(/blocked on/);
      // The Trace scope says where in the trace we are; VS Code keeps it open from here on.
      const variables = page.locator(".debug-variables .monaco-list-row");
      await variables.filter({ hasText: /^Trace$/ }).first().click();
      // The sample's trace (on the kernel library): CPU0's sysfs block, kernfs_remove_self and the rescan lock, then CPU1's two steps.
      await expect.poll(async () => (await variables.allTextContents()).join(" | "), { timeout: 30_000 }).toContain("after step 5 of 5");
      await shot("debug-deadlock");
      const stepBack = page.locator('.debug-toolbar .action-label[aria-label^="Step Back"]');
      await stepBack.click();
      await expect.poll(async () => (await variables.allTextContents()).join(" | "), { timeout: 30_000 }).toContain("after step 4 of 5");
      await stepBack.click();
      await expect.poll(async () => (await variables.allTextContents()).join(" | "), { timeout: 30_000 }).toContain("after step 3 of 5");
      await expect.poll(async () => (await variables.allTextContents()).join(" | "), { timeout: 30_000 }).toContain("next step =CPU1: lock device_lock[pf]");
      await shot("debug-step-back");
      await command("Debug: Stop");
      await command("View: Close All Editors");
    } catch (e) {
      await fail("debugger", e);
    }
  });

  it("fades a statement no interleaving reaches", async () => {
    try {
      await command("View: Close All Editors");
      await openFile("v11-bind-after-kill.race");
      await page.locator(".monaco-editor .squiggly-inline-unnecessary").first().waitFor({ timeout: 60_000 });
      await goTo(13, 14); // the driver's probe, pci_enable_sriov(pf, 2): the library's bind_store never calls it on a dead device
      await command("Problems: Focus on Problems View");
      const row = page.locator(".markers-panel .monaco-list-row", { hasText: "Never reached in any interleaving." }).first();
      await row.waitFor({ timeout: 60_000 });
      expect(await row.getAttribute("aria-label")).toMatch(/^Info/);
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await shot("never-reached");
    } catch (e) {
      await fail("coverage", e);
    }
  });

  it("goes to a kernel library function's definition, which opens read-only", async () => {
    try {
      await command("View: Close All Editors");
      await openFile("v11-kill-device.race");
      await page.locator(".codelens-decoration", { hasText: "safe" }).first().waitFor({ timeout: 60_000 });
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await goTo(14, 31); // bind_store, declared in linux/driver-core
      await page.keyboard.press("F12");
      await page.locator(".tab", { hasText: "driver-core.race" }).first().waitFor({ timeout: 30_000 });
      await expect.poll(async () => page.locator('[id="status.editor.selection"]').textContent(), { timeout: 30_000 }).toMatch(/Ln \d+, Col \d+/);
      // The new editor draws its lines after the tab and the status bar appear: wait for the text, not one read of it.
      await expect.poll(async () => page.locator(".editor-group-container .monaco-editor .view-lines").first().textContent(), { timeout: 30_000 }).toMatch(/fn[\s\u00a0]bind_store/);
      await page.keyboard.type("x");
      await page.locator(".monaco-editor-overlaymessage", { hasText: /read-only/i }).first().waitFor({ timeout: 30_000 });
      await shot("library-read-only");
      await command("View: Close All Editors");
    } catch (e) {
      await fail("library", e);
    }
  });

  it("runs the samples in the Testing view", async () => {
    try {
      await command("Testing: Focus on Test Explorer View");
      const rows = page.locator(".test-explorer .monaco-list-row");
      // The tree draws only the rows in view: wait for the first sample (by name) to be listed.
      const files = readdirSync(join(root, "samples"))
        .filter((f) => f.endsWith(".race"))
        .sort();
      await expect.poll(async () => (await rows.allTextContents()).join(" | "), { timeout: 60_000 }).toContain(files[0]!);
      await command("Test: Run All Tests");
      const samples = files.length;
      // The tree draws only the rows in view (there are more samples than fit): count the run in the view's summary, `passed/total`.
      // Its counts are elements of their own beside the duration ("46/46" then "1.8s"): read them without it.
      const summary = async (): Promise<number[]> =>
        (/(\d+)\s*\/\s*(\d+)/.exec((await page.locator(".test-explorer .result-summary > div, .test-explorer .result-summary > span").allTextContents()).join("")) ?? []).slice(1).map(Number);
      await expect.poll(summary, { timeout: 120_000 }).toEqual([expect.any(Number), expect.any(Number)]);
      await expect.poll(async () => {
        const [passed, total] = await summary();
        return passed === total && total! >= samples;
      }, { timeout: 120_000 }).toBe(true);
      expect(await page.locator(".test-explorer .codicon-testing-passed-icon").count()).toBeGreaterThan(0);
      expect(await page.locator(".test-explorer .codicon-testing-failed-icon").count()).toBe(0);
      await shot("testing-view");
    } catch (e) {
      await fail("testing", e);
    }
  });

  it("draws the lock-order graph of a three-lock cycle, and an edge leads to its site", async () => {
    try {
      await command("View: Close All Editors");
      await command("View: Close Panel");
      await openFile("three-lock-cycle.race");
      await page.locator(".codelens-decoration a", { hasText: "Lock-order graph" }).first().waitFor({ timeout: 60_000 });
      await command("Race: Show Lock-Order Graph");
      const graph = await frameWith("svg.lock-graph");
      await expect.poll(async () => graph.locator("g.edge.confirmed").count(), { timeout: 30_000 }).toBe(3);
      expect(await graph.locator("g.node").count()).toBe(3);
      await shot("lock-graph-drawn");
      await graph.locator("text.site", { hasText: "CPU1 · line 10" }).click();
      await expect.poll(async () => page.locator('[id="status.editor.selection"]').textContent(), { timeout: 30_000 }).toMatch(/Ln 10,/);
    } catch (e) {
      await fail("lock-graph-drawn", e);
    }
  });

  it("hovers a flush_work with what it found at the call; the grammar colours the verb as it colours lock", async () => {
    try {
      await command("View: Close All Editors");
      await openFile("flush-under-rtnl.race");
      await page.locator(".monaco-editor .squiggly-error").first().waitFor({ timeout: 120_000 });
      const classOf = async (word: string): Promise<string | null> =>
        page.locator(".editor-group-container .view-line span span").filter({ hasText: new RegExp(`^${word}$`) }).first().getAttribute("class");
      expect(await classOf("flush_work")).toBe(await classOf("lock"));
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await goTo(10, 4); // on "flush_work" in CPU0
      await command("Show or Focus Hover");
      const hover = page.locator(".monaco-hover-content").filter({ hasText: "What it found at the call" }).first();
      await hover.waitFor({ timeout: 30_000 });
      expect(await hover.textContent()).toContain("CPU0: pending: waits for it to run and finish; running: waits for this run to end");
      await shot("hover-flush-work");
      await page.keyboard.press("Escape");
    } catch (e) {
      await fail("hover-flush-work", e);
    }
  });

  it("converts a lockdep report: pasted into a .race file it is one diagnostic whose quick fix writes the scenario; selected, the command opens it", async () => {
    try {
      await command("View: Close All Editors");
      await openFile("pasted-report.race");
      // One error for the whole report, on its WARNING line, instead of the syntax errors.
      await page.locator(".monaco-editor .squiggly-error").first().waitFor({ timeout: 120_000 });
      await expect.poll(async () => page.locator(".monaco-editor .squiggly-error").count(), { timeout: 30_000 }).toBe(1);
      await command("Problems: Focus on Problems View");
      const row = page.locator(".markers-panel .monaco-list-row", { hasText: "This looks like a lockdep report" }).first();
      await row.waitFor({ timeout: 60_000 });
      expect(await row.getAttribute("aria-label")).toMatch(/^Error: This looks like a lockdep report \(WARNING: possible recursive locking detected\)/);
      await shot("lockdep-pasted");
      const warning = lockdepReport.split("\n").findIndex((l) => l.includes("WARNING:"));
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await goTo(warning + 1, 20);
      await page.keyboard.press("Control+.");
      const item = page.locator(".action-widget .monaco-list-row", { hasText: "Convert lockdep report to a scenario" }).first();
      await item.waitFor({ timeout: 30_000 });
      await shot("lockdep-quick-fix");
      await page.keyboard.press("Enter"); // the only fix, preferred
      // The scenario: lockdep's claim confirmed by the check, the assumptions at the top.
      const lens = page.locator(".codelens-decoration", { hasText: "deadlock (expected)" }).first();
      await lens.waitFor({ timeout: 120_000 });
      expect(await page.locator(".monaco-editor .squiggly-error").count()).toBe(0);
      await shot("lockdep-converted");
      await command("View: Close All Editors");
      // The command, from a selection in any file.
      await openFile("console.txt");
      // The editor's own text (a view's filter box is a Monaco editor too, and may come first).
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await page.keyboard.press("Control+A");
      await command("Race: New Scenario from Lockdep Report");
      await page.locator(".tab.active", { hasText: "Untitled" }).waitFor({ timeout: 60_000 });
      const untitledLens = page.locator(".codelens-decoration", { hasText: "deadlock (expected)" }).first();
      await untitledLens.waitFor({ timeout: 120_000 });
      await shot("lockdep-command");
    } catch (e) {
      await fail("lockdep-import", e);
    }
  });

  it("shows an interrupt handler's deadlock nested in its CPU's column, hovers the handler, and fixes it with lock_irqsave", async () => {
    try {
      await command("View: Close All Editors");
      // The scenario the lockdep import opened is untitled and unsaved: drop it.
      const dontSave = page.getByRole("button", { name: "Don't Save" });
      if (await dontSave.waitFor({ state: "visible", timeout: 5_000 }).then(() => true, () => false)) await dontSave.click();
      await openFile("vblank.race");
      await page.locator(".monaco-editor .squiggly-error").first().waitFor({ timeout: 120_000 });
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await command("Race: Replay Trace");
      const trace = await frameWith("#trace td.interrupt");
      // One column, CPU0's; the handler's arrival is a row of it.
      expect(await trace.locator("#trace thead").textContent()).toBe("#lineCPU0⚡ vblank (hardirq)");
      expect(await trace.locator("#trace td.interrupt").textContent()).toContain("<Interrupt> vblank");
      expect(await trace.locator("tr.blocked").textContent()).toContain("interrupted: waits for vblank");
      await shot("trace-interrupt");
      await page.locator(".editor-group-container .monaco-editor .view-lines").first().click();
      await goTo(2, 6); // on the handler's name
      await command("Show or Focus Hover");
      const hover = page.locator(".monaco-hover-content").filter({ hasText: "hardirq handler" }).first();
      await hover.waitFor({ timeout: 30_000 });
      expect(await hover.textContent()).toContain("Can fire on CPU0");
      await shot("hover-handler");
      await page.keyboard.press("Escape");
      await goTo(8, 4); // the task's unlock, where the deadlock is reported
      await page.keyboard.press("Control+.");
      const fix = page.locator(".action-widget .monaco-list-row", { hasText: "Use lock_irqsave/unlock_irqrestore for 'event_lock' in CPU0" }).first();
      await fix.waitFor({ timeout: 60_000 });
      await shot("quick-fix-irqsave");
      // The widget re-renders as it settles (a click may never find it stable): choose by keyboard.
      for (let i = 0; i < 5 && !((await page.locator(".action-widget .monaco-list-row.focused").textContent()) ?? "").includes("lock_irqsave"); i++) await page.keyboard.press("ArrowDown");
      expect(await page.locator(".action-widget .monaco-list-row.focused").textContent()).toContain("lock_irqsave");
      await page.keyboard.press("Enter");
      await expect.poll(async () => page.locator(".monaco-editor .squiggly-error").count(), { timeout: 120_000 }).toBe(0);
      await expect.poll(async () => page.locator(".editor-group-container .view-lines").first().textContent(), { timeout: 30_000 }).toMatch(/lock_irqsave[\s\u00a0]event_lock/);
    } catch (e) {
      await fail("interrupts", e);
    }
  });
});
