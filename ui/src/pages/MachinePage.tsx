// One machine: its diagram, its definition in the YAML editor, and saving a new version after the
// compatibility report; or, for "new", creating a machine from YAML.
import { useMemo, useRef, useState } from "preact/hooks";
import { parse } from "yaml";
import { DiagramView } from "../diagram/DiagramView";
import { describe, get, post, put, query } from "../lib/api";
import { useLoad } from "../lib/hooks";
import { Link } from "../lib/Link";
import type { Problem, ValidationReport } from "../lib/locate";
import { navigate } from "../lib/router";
import type { CompatibilityReport, MachineOut } from "../lib/types";
import { YamlEditor, type EditorHandle } from "../lib/YamlEditor";

export const NEW_MACHINE_TEMPLATE = `meta:
  machine_name: my_machine
  description: "What this machine is for"
states:
  - name: draft
    type: initial
  - name: active
  - name: done
    type: terminal
transitions:
  - trigger: start
    source: draft
    dest: active
  - trigger: finish
    source: active
    dest: done
`;

function parsedOrNull(source: string): unknown {
  try {
    return parse(source);
  } catch {
    return null;
  }
}

function Problems({ problems, report, goTo }: { problems: Problem[]; report: ValidationReport | null; goTo: (offset: number) => void }) {
  if (!report) return <p class="muted" data-testid="validation-status">Validating…</p>;
  const errors = problems.filter((p) => p.severity === "error").length;
  return (
    <div class="problems">
      <p data-testid="validation-status" class={errors ? "error" : "ok"} role="status">
        {errors ? `${errors} error${errors > 1 ? "s" : ""}` : "Valid"}
        {problems.length - errors ? `, ${problems.length - errors} warning${problems.length - errors > 1 ? "s" : ""}` : ""}
      </p>
      {problems.length > 0 && (
        <ul data-testid="problems">
          {problems.map((p, i) => (
            <li key={i} class={p.severity}>
              <button type="button" class="link" onClick={() => goTo(p.from)}>
                line {p.line}
              </button>{" "}
              {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function CompatibilityPanel({ report, onSave, onCancel, saving }: { report: CompatibilityReport; onSave: () => void; onCancel: () => void; saving: boolean }) {
  const rows: [string, string[]][] = [
    ["Removed states", report.removed_states],
    ["Added states", report.added_states],
    ["Removed triggers", report.removed_triggers],
    ["Added triggers", report.added_triggers],
    ["Changed transitions", report.changed_transitions],
  ];
  return (
    <div class={`compat ${report.compatible ? "compatible" : "breaking"}`} data-testid="compatibility" role="region" aria-label="Compatibility report">
      <h3>{report.compatible ? "Compatible with" : "Breaking changes against"} version {report.current_version}</h3>
      <dl>
        {rows
          .filter(([, items]) => items.length)
          .map(([title, items]) => (
            <>
              <dt>{title}</dt>
              <dd>{items.join(", ")}</dd>
            </>
          ))}
        {report.initial_state_changed && (
          <>
            <dt>Initial state</dt>
            <dd>changed</dd>
          </>
        )}
        <dt>Stranded entities</dt>
        <dd>
          {report.stranded_entities}
          {report.stranded_entities > 0 &&
            ` (${Object.entries(report.stranded_by_state)
              .map(([s, n]) => `${n} in ${s}`)
              .join(", ")})`}
        </dd>
      </dl>
      <div class="actions">
        <button type="button" class="primary" onClick={onSave} disabled={saving}>
          Save as version {report.current_version + 1}
        </button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}

export function MachinePage({ machineId, version }: { machineId: string | null; version: number | null }) {
  const isNew = machineId === null;
  const machine = useLoad(
    (signal) => (isNew ? Promise.resolve(null) : get<MachineOut>(`/machines/${encodeURIComponent(machineId)}${query({ version })}`, signal)),
    [machineId, version],
  );
  const loaded = machine.data;
  const [edited, setEdited] = useState<string | null>(null);
  const source = edited ?? (isNew ? NEW_MACHINE_TEMPLATE : loaded?.source ?? "");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [report, setReport] = useState<ValidationReport | null>(null);
  const [compat, setCompat] = useState<CompatibilityReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  const [newId, setNewId] = useState("");
  const editor = useRef<EditorHandle | null>(null);
  const lastGood = useRef<unknown>(null);

  const diagramConfig = useMemo(() => {
    if (loaded && (edited === null || edited === loaded.source)) return loaded.config;
    const parsed = parsedOrNull(source);
    if (parsed && typeof parsed === "object") lastGood.current = parsed;
    return lastGood.current;
  }, [source, loaded]);

  const hasErrors = problems.some((p) => p.severity === "error") || (report !== null && !report.valid);
  const changed = loaded !== null && source !== loaded.source;

  const create = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const body: Record<string, unknown> = { source, format: "yaml" };
      if (newId.trim()) body.machine_id = newId.trim();
      const created = await post<MachineOut>("/machines", body);
      navigate(`/machines/${encodeURIComponent(created.machine_id)}`);
    } catch (e) {
      setMessage({ kind: "error", text: describe(e) });
    } finally {
      setBusy(false);
    }
  };

  const review = async () => {
    if (!loaded) return;
    setBusy(true);
    setMessage(null);
    try {
      setCompat(await post<CompatibilityReport>(`/machines/${encodeURIComponent(loaded.machine_id)}/compatibility`, { source, format: "yaml" }));
    } catch (e) {
      setMessage({ kind: "error", text: describe(e) });
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    if (!loaded || !compat) return;
    setBusy(true);
    try {
      const saved = await put<MachineOut>(`/machines/${encodeURIComponent(loaded.machine_id)}`, {
        source,
        format: "yaml",
        expected_version: compat.current_version,
      });
      setCompat(null);
      setEdited(null);
      setMessage({ kind: "ok", text: `Saved version ${saved.version}.` });
      navigate(`/machines/${encodeURIComponent(saved.machine_id)}`);
      machine.reload();
    } catch (e) {
      setMessage({ kind: "error", text: describe(e) });
    } finally {
      setBusy(false);
    }
  };

  if (machine.error) {
    return (
      <section>
        <h1>{machineId}</h1>
        <p class="error" role="alert">{machine.error}</p>
      </section>
    );
  }
  if (!isNew && !loaded) return <p class="muted">Loading…</p>;

  return (
    <section class="machine-page">
      <div class="page-head">
        <h1>{isNew ? "New machine" : loaded!.machine_id}</h1>
        {loaded && (
          <>
            <label class="inline">
              Version{" "}
              <select
                value={String(loaded.version)}
                onChange={(e) => {
                  setEdited(null);
                  navigate(`/machines/${encodeURIComponent(loaded.machine_id)}?version=${(e.target as HTMLSelectElement).value}`);
                }}
              >
                {[...loaded.versions].reverse().map((v) => (
                  <option key={v} value={String(v)}>v{v}</option>
                ))}
              </select>
            </label>
            <Link to={`/entities?machine=${encodeURIComponent(loaded.machine_id)}`}>Entities of this machine</Link>
          </>
        )}
      </div>
      {loaded?.description && <p class="muted">{loaded.description}</p>}
      <div class="split">
        <div class="pane">
          <h2>Diagram</h2>
          <DiagramView config={diagramConfig} label={`Diagram of ${machineId ?? "the new machine"}`} />
        </div>
        <div class="pane">
          <h2>Definition (YAML)</h2>
          {isNew && (
            <label class="field">
              Machine id <span class="muted">(optional: meta.machine_name is used when empty)</span>
              <input value={newId} onInput={(e) => setNewId((e.target as HTMLInputElement).value)} name="machine_id" />
            </label>
          )}
          <YamlEditor
            key={loaded ? `${loaded.machine_id}@${loaded.version}` : "new"}
            initial={source}
            label="Machine definition in YAML"
            onChange={(text) => {
              setEdited(text);
              setCompat(null);
            }}
            onProblems={(list, r) => {
              setProblems(list);
              setReport(r);
            }}
            handle={editor}
          />
          <Problems problems={problems} report={report} goTo={(offset) => editor.current?.goTo(offset)} />
          {message && (
            <p class={message.kind} role={message.kind === "error" ? "alert" : "status"}>{message.text}</p>
          )}
          {isNew ? (
            <button type="button" class="primary" disabled={busy || hasErrors} onClick={create}>
              Create machine
            </button>
          ) : compat ? (
            <CompatibilityPanel report={compat} saving={busy} onSave={save} onCancel={() => setCompat(null)} />
          ) : (
            <button type="button" class="primary" disabled={busy || hasErrors || !changed} onClick={review}>
              Review changes and save…
            </button>
          )}
        </div>
      </div>
    </section>
  );
}
