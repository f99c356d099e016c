// SPIN's side of the differential run (run.ts): SPIN 6.5.2 on an exported
// Promela model (spin -a, gcc, pan) and what its answers must agree with in
// ours (run.ts's header says why each comparison holds).

import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Analysis } from "../../server/src/analysis";

const run = promisify(execFile);

export interface SpinVerdict {
  stuck: boolean;
  violation: boolean;
  /** A non-progress cycle under weak fairness. */
  cycle: boolean;
}

/**
 * What pan prints when it did not search the whole model. (A refusal exits
 * with status 1, but so do other stops the run reads the output of: only
 * the words tell.)
 */
export const incomplete = /max search depth too small|out of memory|too many processes/;

/**
 * pan's NFAIR for weak fairness (-f): it keeps 8 * NFAIR bits per state and
 * refuses a model once the processes + 1 reach half of them ("too many
 * processes -- current max is 6 procs (-DNFAIR=2)"). The processes are
 * init, one per thread (proctype) and, under -DNP, the non-progress claim.
 */
export function fairnessSlots(promela: string): number {
  const processes = 2 + (promela.match(/^proctype /gm)?.length ?? 0);
  return Math.max(2, Math.floor((processes + 1) / 4) + 1);
}

/** Runs SPIN on a Promela model; throws if SPIN could not search completely. */
export async function spinVerdict(promela: string, dir: string): Promise<SpinVerdict> {
  writeFileSync(join(dir, "model.pml"), promela);
  await run("spin", ["-a", "model.pml"], { cwd: dir });
  // Remote references (the fair rwsem's queued writer) need partial-order reduction off.
  await run("gcc", ["-O0", "-w", "-DSAFETY", "-DNOREDUCE", "-DNOFAIR", "-o", "pan", "pan.c"], { cwd: dir });
  const pan = async (flag: string): Promise<string> => {
    const r = await run("./pan", [flag, "-m200000"], { cwd: dir, maxBuffer: 1 << 24 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
    if (incomplete.test(r.stdout)) throw new Error(`SPIN could not finish: ${r.stdout.slice(0, 300)}`);
    return r.stdout;
  };
  const ends = await pan("-A");
  const asserts = await pan("-E");
  await run("gcc", ["-O0", "-w", "-DNP", "-DNOREDUCE", `-DNFAIR=${fairnessSlots(promela)}`, "-o", "pan-np", "pan.c"], { cwd: dir });
  const np = await run("./pan-np", ["-l", "-f", "-m200000"], { cwd: dir, maxBuffer: 1 << 24 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
  if (incomplete.test(np.stdout)) throw new Error(`SPIN could not finish: ${np.stdout.slice(0, 300)}`);
  return {
    stuck: /invalid end state/.test(ends) && /errors: [1-9]/.test(ends),
    violation: /assertion violated/.test(asserts) && /errors: [1-9]/.test(asserts),
    cycle: /non-progress cycle/.test(np.stdout) && /errors: [1-9]/.test(np.stdout),
  };
}

/** Where our findings and SPIN's must agree (see the header), or why not. */
export function disagreement(a: Analysis, spin: SpinVerdict): string | undefined {
  const r = a.report!;
  const stuckAny = r.problems.some((p) => p.kind === "deadlock" || p.kind === "hang");
  const livelock = r.problems.some((p) => p.form === "livelock");
  if (r.globallyStuck !== spin.stuck) return `stuck: ours ${r.globallyStuck}, SPIN ${spin.stuck}`;
  if (r.problems.some((p) => p.kind === "violation") !== spin.violation) return `violation: SPIN ${spin.violation}`;
  if (livelock && !spin.cycle) return "a livelock we report is no non-progress cycle for SPIN";
  if (stuckAny && !spin.stuck && !spin.cycle) return "a CPU we find stuck for ever, SPIN neither stuck nor cycling";
  return undefined;
}
