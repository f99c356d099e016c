// Guided simulation over the protocol: race/simulate/{start, step, back,
// reset, jump, traceFile, stop}. Each session simulates one version of one
// document; once the document changes, its requests fail with a sentence
// saying so (the client offers to start again).

import { ResponseError, type Connection } from "vscode-languageserver/node";
import { Simulation, SimulationError, type SimView } from "../services/simulation";
import { modelOf, type TraceFile } from "../traceFile";
import type { DocumentState } from "./documentState";

interface Session {
  readonly uri: string;
  readonly version: number;
  readonly sim: Simulation;
}

export interface SimulatePayload {
  session: number;
  uri: string;
  version: number;
  view: SimView;
}

const INVALID = -32602;
const MAX_SESSIONS = 8;

export function registerSimulation(connection: Connection, stateOf: (uri: string) => DocumentState | undefined): void {
  const sessions = new Map<number, Session>();
  let next = 1;

  const session = (id: number): Session => {
    const s = sessions.get(id);
    if (!s) throw new ResponseError(INVALID, "This simulation has ended; start it again.");
    if (stateOf(s.uri)?.version !== s.version) throw new ResponseError(INVALID, "The scenario changed since this simulation started; start it again.");
    return s;
  };
  const payload = (id: number, s: Session): SimulatePayload => ({ session: id, uri: s.uri, version: s.version, view: s.sim.view() });
  const act = (id: number, what: (sim: Simulation) => unknown): SimulatePayload => {
    const s = session(id);
    try {
      what(s.sim);
    } catch (e) {
      if (e instanceof SimulationError) throw new ResponseError(INVALID, e.message);
      throw e;
    }
    return payload(id, s);
  };

  connection.onRequest("race/simulate/start", (p: { uri: string }): SimulatePayload => {
    const doc = stateOf(p.uri);
    if (!doc) throw new ResponseError(INVALID, "Open the scenario to simulate it.");
    const m = modelOf(doc.text, doc.source);
    if ("error" in m) throw new ResponseError(INVALID, `Cannot simulate: ${m.error}.`);
    // The checker's findings, when they are for this version, name what a step runs into.
    const findings = doc.summary ? doc.summary.findings.map((f) => f.problem) : [];
    const id = next++;
    const s: Session = { uri: doc.uri, version: doc.version, sim: new Simulation(doc.text, m.model, m.lines, findings) };
    sessions.set(id, s);
    // Each session keeps its state graph: a client that never says stop keeps only the newest few.
    for (const old of sessions.keys()) if (sessions.size > MAX_SESSIONS) sessions.delete(old);
    return payload(id, s);
  });
  connection.onRequest("race/simulate/step", (p: { session: number; cpu: number; choice: number }) => act(p.session, (sim) => sim.take(p.cpu, p.choice)));
  connection.onRequest("race/simulate/back", (p: { session: number }) => act(p.session, (sim) => sim.back()));
  connection.onRequest("race/simulate/reset", (p: { session: number }) => act(p.session, (sim) => sim.reset()));
  connection.onRequest("race/simulate/jump", (p: { session: number; finding: number }) =>
    act(p.session, (sim) => {
      if (!sim.jumpToFinding(p.finding)) throw new SimulationError(`There is no finding ${p.finding + 1} to jump to.`);
    }),
  );
  connection.onRequest("race/simulate/traceFile", (p: { session: number; file?: string }): TraceFile => session(p.session).sim.traceFile(p.file));
  connection.onRequest("race/simulate/stop", (p: { session: number }): boolean => sessions.delete(p.session));
}
