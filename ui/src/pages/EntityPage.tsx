// One entity: the diagram with its current state highlighted, its timeline, the triggers available
// now, and a form that sends an event and shows the result and the actions' outcomes.
import { useState } from "preact/hooks";
import { DiagramView } from "../diagram/DiagramView";
import { describe, get, post } from "../lib/api";
import { duration, parseObject, time } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { Link } from "../lib/Link";
import type { EntityOut, EventResponse, MachineOut, TimelineEntry, TriggersOut } from "../lib/types";

/** The active states and every compound/parallel state containing them. */
export function withAncestors(active: string[], config: Record<string, unknown> | undefined): string[] {
  const parents = new Map<string, string>();
  const states = Array.isArray(config?.states) ? (config!.states as Record<string, unknown>[]) : [];
  for (const s of states) if (typeof s?.name === "string" && typeof s.parent === "string") parents.set(s.name, s.parent);
  const out = new Set<string>();
  for (const name of active) {
    let current: string | undefined = name;
    while (current && !out.has(current)) {
      out.add(current);
      current = parents.get(current);
    }
  }
  return [...out];
}

function EventForm({ entityId, triggers, onSent }: { entityId: string; triggers: TriggersOut | null; onSent: () => void }) {
  const [trigger, setTrigger] = useState("");
  const [payload, setPayload] = useState("{}");
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<EventResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      if (!trigger.trim()) throw new Error("trigger: required");
      const body: Record<string, unknown> = { trigger: trigger.trim(), payload: parseObject(payload, "payload") };
      if (key.trim()) body.idempotency_key = key.trim();
      setResult(await post<EventResponse>(`/entities/${encodeURIComponent(entityId)}/events`, body));
      onSent();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={send} aria-label="Send an event">
      <h2>Send an event</h2>
      {triggers && (
        <div class="triggers" data-testid="triggers">
          <span class="muted">Available now:</span>{" "}
          {triggers.available.length === 0 && <span class="muted">none</span>}
          {triggers.available.map((t) => (
            <button type="button" key={t} class={`chip${t === trigger ? " selected" : ""}`} onClick={() => setTrigger(t)}>
              {t}
            </button>
          ))}
          {triggers.defined.filter((t) => !triggers.available.includes(t)).length > 0 && (
            <span class="muted"> Guarded now: {triggers.defined.filter((t) => !triggers.available.includes(t)).join(", ")}</span>
          )}
        </div>
      )}
      <div class="row">
        <label class="field">
          Trigger
          <input name="trigger" list="trigger-options" value={trigger} onInput={(e) => setTrigger((e.target as HTMLInputElement).value)} />
          <datalist id="trigger-options">
            {triggers?.defined.map((t) => <option key={t} value={t} />)}
          </datalist>
        </label>
        <label class="field">
          Idempotency key <span class="muted">(optional)</span>
          <input name="idempotency_key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      <label class="field">
        Payload (JSON object)
        <textarea name="payload" rows={3} value={payload} onInput={(e) => setPayload((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="submit" class="primary" disabled={busy}>Send event</button>
      {error && <p class="error" role="alert">{error}</p>}
      {result && (
        <div class={`result ${result.success ? "ok" : "failed"}`} data-testid="event-result" role="status">
          <p>
            <strong>{result.success ? "Transition committed" : "Not applied"}</strong>: {result.source_state} —{result.trigger}→{" "}
            {result.target_state ?? "(none)"}
            {result.version !== null && ` (version ${result.version})`}
            {result.duplicate && " — duplicate, applied before"}
          </p>
          {result.error && <p class="error">{result.error.code}: {result.error.message}</p>}
          {result.action_results.length > 0 && (
            <table class="list compact">
              <thead>
                <tr>
                  <th>Action</th>
                  <th>Status</th>
                  <th>Result / error</th>
                </tr>
              </thead>
              <tbody>
                {result.action_results.map((a, i) => (
                  <tr key={i}>
                    <td>{a.action_name}</td>
                    <td class={a.success ? "ok" : "error"}>{a.status}</td>
                    <td><code>{a.error ?? JSON.stringify(a.result ?? null)}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </form>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol class="timeline" data-testid="timeline">
      {[...entries].reverse().map((t) => (
        <li key={t.version}>
          <span class="pill">{t.state}</span> <span class="muted">via</span> <code>{t.trigger}</code>
          <div class="muted small">
            v{t.version} · {time(t.entered_at)} · {t.left_at ? `stayed ${duration(t.duration_seconds)}` : "current"}
          </div>
        </li>
      ))}
    </ol>
  );
}

export function EntityPage({ entityId }: { entityId: string }) {
  const [tick, setTick] = useState(0);
  const path = `/entities/${encodeURIComponent(entityId)}`;
  const entity = useLoad((signal) => get<EntityOut>(path, signal), [entityId, tick]);
  const machineId = entity.data?.machine_id;
  const machine = useLoad(
    (signal) => (machineId ? get<MachineOut>(`/machines/${encodeURIComponent(machineId)}`, signal) : Promise.resolve(null)),
    [machineId],
  );
  const timeline = useLoad((signal) => get<{ entries: TimelineEntry[] }>(`${path}/timeline`, signal), [entityId, tick]);
  const triggers = useLoad((signal) => get<TriggersOut>(`${path}/triggers`, signal), [entityId, tick]);
  if (entity.error) {
    return (
      <section>
        <h1>{entityId}</h1>
        <p class="error" role="alert">{entity.error}</p>
      </section>
    );
  }
  const e = entity.data;
  return (
    <section>
      <div class="page-head">
        <h1>{entityId}</h1>
        {e && (
          <p>
            <Link to={`/machines/${encodeURIComponent(e.machine_id)}`}>{e.machine_id}</Link> · state{" "}
            <span class="pill current" data-testid="entity-state">{e.state}</span> · version {e.version}
            {e.is_terminal && " · terminal"}
          </p>
        )}
      </div>
      <div class="split">
        <div class="pane">
          <h2>Diagram</h2>
          {machine.data && e && (
            <DiagramView config={machine.data.config} active={withAncestors(e.active_states, machine.data.config)} label={`Diagram of ${e.machine_id}, ${e.state} highlighted`} />
          )}
          <h2>Context</h2>
          <pre class="context">{e ? JSON.stringify(e.context, null, 2) : ""}</pre>
        </div>
        <div class="pane">
          <EventForm entityId={entityId} triggers={triggers.data} onSent={() => setTick((t) => t + 1)} />
          <h2>History</h2>
          {timeline.data && <Timeline entries={timeline.data.entries} />}
        </div>
      </div>
    </section>
  );
}
