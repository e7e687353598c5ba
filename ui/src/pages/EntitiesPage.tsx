// Entities of a machine, filtered by state and paged; and creating an entity.
import { useEffect, useState } from "preact/hooks";
import { describe, get, post, query } from "../lib/api";
import { parseObject, time } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { Link } from "../lib/Link";
import { navigate } from "../lib/router";
import type { EntityOut, EntityPage, MachineSummary } from "../lib/types";

const PAGE_SIZE = 20;

function CreateEntity({ machines, machine }: { machines: MachineSummary[]; machine: string }) {
  const [entityId, setEntityId] = useState("");
  const [machineId, setMachineId] = useState(machine);
  const [context, setContext] = useState("{}");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setMachineId(machine), [machine]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (!entityId.trim()) throw new Error("entity id: required");
      const body = { machine_id: machineId, context: parseObject(context, "context") };
      const created = await post<EntityOut>(`/entities/${encodeURIComponent(entityId.trim())}/create`, body);
      navigate(`/entities/${encodeURIComponent(created.entity_id)}`);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-label="Create an entity">
      <h2>Create an entity</h2>
      <div class="row">
        <label class="field">
          Entity id
          <input name="entity_id" value={entityId} onInput={(e) => setEntityId((e.target as HTMLInputElement).value)} required />
        </label>
        <label class="field">
          Machine
          <select name="machine_id" value={machineId} onChange={(e) => setMachineId((e.target as HTMLSelectElement).value)}>
            {machines.map((m) => (
              <option key={m.machine_id} value={m.machine_id}>{m.machine_id}</option>
            ))}
          </select>
        </label>
      </div>
      <label class="field">
        Context (JSON object)
        <textarea name="context" rows={3} value={context} onInput={(e) => setContext((e.target as HTMLTextAreaElement).value)} />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary" disabled={busy || !machineId}>Create entity</button>
    </form>
  );
}

export function EntitiesPage({ params }: { params: URLSearchParams }) {
  const machines = useLoad((signal) => get<MachineSummary[]>("/machines", signal), []);
  const list = machines.data ?? [];
  const machine = params.get("machine") ?? list[0]?.machine_id ?? "";
  const state = params.get("state") ?? "";
  const after = params.get("after") ?? "";
  const [previous, setPrevious] = useState<string[]>([]);
  const page = useLoad(
    (signal) =>
      machine ? get<EntityPage>(`/entities${query({ machine_id: machine, state, after, limit: PAGE_SIZE })}`, signal) : Promise.resolve(null),
    [machine, state, after],
  );
  const go = (next: { machine?: string; state?: string; after?: string }) => {
    const merged = { machine, state, after: "", ...next };
    navigate(`/entities${query(merged)}`);
  };
  const states = list.find((m) => m.machine_id === machine)?.states ?? [];
  return (
    <section>
      <div class="page-head">
        <h1>Entities</h1>
      </div>
      {machines.error && <p class="error" role="alert">{machines.error}</p>}
      <div class="row filters" role="search">
        <label class="field">
          Machine
          <select
            name="filter-machine"
            value={machine}
            onChange={(e) => {
              setPrevious([]);
              go({ machine: (e.target as HTMLSelectElement).value, state: "" });
            }}
          >
            {list.map((m) => (
              <option key={m.machine_id} value={m.machine_id}>{m.machine_id}</option>
            ))}
          </select>
        </label>
        <label class="field">
          State
          <select
            name="filter-state"
            value={state}
            onChange={(e) => {
              setPrevious([]);
              go({ state: (e.target as HTMLSelectElement).value });
            }}
          >
            <option value="">any state</option>
            {states.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      {page.error && <p class="error" role="alert">{page.error}</p>}
      {page.data && (
        <>
          {page.data.items.length === 0 ? (
            <p class="muted">No entities{state ? ` in ${state}` : ""}.</p>
          ) : (
            <table class="list" data-testid="entities">
              <thead>
                <tr>
                  <th>Entity</th>
                  <th>State</th>
                  <th>Version</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((e) => (
                  <tr key={e.entity_id}>
                    <td><Link to={`/entities/${encodeURIComponent(e.entity_id)}`}>{e.entity_id}</Link></td>
                    <td><span class={`pill${e.is_terminal ? " terminal" : ""}`}>{e.state}</span></td>
                    <td>{e.version}</td>
                    <td>{time(e.updated_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={!after}
              onClick={() => {
                const back = previous.slice(0, -1);
                setPrevious(back);
                go({ state, after: previous[previous.length - 1] ?? "" });
              }}
            >
              ← Previous
            </button>
            <button
              type="button"
              disabled={!page.data.next_after}
              onClick={() => {
                setPrevious([...previous, after]);
                go({ state, after: page.data!.next_after ?? "" });
              }}
            >
              Next →
            </button>
          </nav>
        </>
      )}
      {list.length > 0 && <CreateEntity machines={list} machine={machine} />}
    </section>
  );
}
