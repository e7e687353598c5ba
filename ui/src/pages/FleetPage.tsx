// The fleet overview: machines and entities, entities per state, transition rates.
import { get } from "../lib/api";
import { useLoad } from "../lib/hooks";
import { Link } from "../lib/Link";
import type { FleetSummary, StateCounts, TransitionRates } from "../lib/types";

function StateBars({ machineId }: { machineId: string }) {
  const counts = useLoad((signal) => get<StateCounts>(`/observability/states/${encodeURIComponent(machineId)}`, signal), [machineId]);
  if (!counts.data) return counts.error ? <p class="error">{counts.error}</p> : null;
  const max = Math.max(1, ...Object.values(counts.data.counts));
  const entries = Object.entries(counts.data.counts).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return <p class="muted">No entities.</p>;
  return (
    <ul class="bars" aria-label={`Entities per state of ${machineId}`}>
      {entries.map(([state, n]) => (
        <li key={state}>
          <Link to={`/entities?machine=${encodeURIComponent(machineId)}&state=${encodeURIComponent(state)}`}>{state}</Link>
          <span class="bar" style={{ width: `${(n / max) * 100}%` }} />
          <span class="count">{n}</span>
        </li>
      ))}
    </ul>
  );
}

export function FleetPage() {
  const summary = useLoad((signal) => get<FleetSummary>("/observability/summary", signal), []);
  const rates = useLoad((signal) => get<TransitionRates>("/observability/rates?window_seconds=300", signal), []);
  const s = summary.data;
  return (
    <section>
      <div class="page-head">
        <h1>Fleet</h1>
        <button type="button" onClick={() => (summary.reload(), rates.reload())}>Refresh</button>
      </div>
      {summary.error && <p class="error" role="alert">{summary.error}</p>}
      {s && (
        <div class="kpis" data-testid="kpis">
          <div class="kpi"><span class="n">{s.machines}</span> machines</div>
          <div class="kpi"><span class="n">{s.entities}</span> entities</div>
          <div class="kpi"><span class="n">{s.transitions_last_hour}</span> transitions in the last hour</div>
          <div class="kpi"><span class="n">{rates.data ? rates.data.total : "…"}</span> in the last 5 minutes</div>
        </div>
      )}
      {s && (
        <div class="cards">
          {s.per_machine.map((m) => (
            <div class="card" key={m.machine_id}>
              <h2><Link to={`/machines/${encodeURIComponent(m.machine_id)}`}>{m.machine_id}</Link> <span class="muted">v{m.version}</span></h2>
              <p class="muted">
                {m.entities} entities · {m.transitions_last_hour} transitions/hour ·{" "}
                {rates.data?.per_minute[m.machine_id] ?? 0} per minute (5 min)
              </p>
              <StateBars machineId={m.machine_id} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
