import { get } from "../lib/api";
import { useLoad } from "../lib/hooks";
import { Link } from "../lib/Link";
import { time } from "../lib/format";
import type { MachineSummary } from "../lib/types";

export function MachinesPage() {
  const machines = useLoad((signal) => get<MachineSummary[]>("/machines", signal), []);
  return (
    <section>
      <div class="page-head">
        <h1>Machines</h1>
        <Link to="/machines/new" class="button primary">New machine</Link>
      </div>
      {machines.error && <p class="error" role="alert">{machines.error}</p>}
      {machines.data && machines.data.length === 0 && <p>No machines stored yet. Create one from YAML.</p>}
      {machines.data && machines.data.length > 0 && (
        <table class="list" data-testid="machines">
          <thead>
            <tr>
              <th>Machine</th>
              <th>Version</th>
              <th>Description</th>
              <th>States</th>
              <th>Triggers</th>
              <th>Saved</th>
            </tr>
          </thead>
          <tbody>
            {machines.data.map((m) => (
              <tr key={m.machine_id}>
                <td><Link to={`/machines/${encodeURIComponent(m.machine_id)}`}>{m.machine_id}</Link></td>
                <td>v{m.version}</td>
                <td>{m.description}</td>
                <td>{m.states.length}</td>
                <td>{m.error ? <span class="error">{m.error}</span> : m.triggers.join(", ")}</td>
                <td>{time(m.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
