// The worker's dead-letter queue: events that failed for good, with replay and discard.
import { useState } from "preact/hooks";
import { describe, get, query, request } from "../lib/api";
import { time } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { Link } from "../lib/Link";
import type { DeadLetterOut } from "../lib/types";

const PAGE_SIZE = 50;

export function DeadLettersPage() {
  const [after, setAfter] = useState<string | null>(null);
  const letters = useLoad((signal) => get<DeadLetterOut[]>(`/worker/dead-letters${query({ limit: PAGE_SIZE, after })}`, signal), [after]);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const act = async (letter: DeadLetterOut, action: "replay" | "discard") => {
    const id = encodeURIComponent(letter.event.event_id);
    if (action === "discard" && !confirm(`Discard the dead letter of ${letter.event.trigger} for ${letter.event.entity_id}?`)) return;
    try {
      if (action === "replay") await request("POST", `/worker/dead-letters/${id}/replay`, {});
      else await request("DELETE", `/worker/dead-letters/${id}`);
      setMessage({ kind: "ok", text: `${action === "replay" ? "Queued again" : "Discarded"}: ${letter.event.trigger} for ${letter.event.entity_id}.` });
      letters.reload();
    } catch (e) {
      setMessage({ kind: "error", text: describe(e) });
    }
  };
  const items = letters.data ?? [];
  return (
    <section>
      <div class="page-head">
        <h1>Dead letters</h1>
        <button type="button" onClick={letters.reload}>Refresh</button>
      </div>
      <p class="muted">Events the worker gave up on: replay puts one back in the queue, discard drops it (it stays failed).</p>
      {letters.error && <p class="error" role="alert">{letters.error}</p>}
      {message && <p class={message.kind} role={message.kind === "error" ? "alert" : "status"}>{message.text}</p>}
      {letters.data && items.length === 0 && <p data-testid="dlq-empty">No dead letters.</p>}
      {items.length > 0 && (
        <table class="list" data-testid="dead-letters">
          <thead>
            <tr>
              <th>Failed</th>
              <th>Entity</th>
              <th>Event</th>
              <th>Reason</th>
              <th>Error</th>
              <th>Attempts</th>
              <th><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.event.event_id}>
                <td>{time(d.dead_at)}</td>
                <td>
                  <Link to={`/entities/${encodeURIComponent(d.event.entity_id)}`}>{d.event.entity_id}</Link>
                  <div class="muted small">{d.event.machine_id}</div>
                </td>
                <td>
                  <code>{d.event.trigger}</code>
                  <div class="muted small"><code>{JSON.stringify(d.event.payload)}</code></div>
                </td>
                <td>{d.reason}</td>
                <td class="error">{d.error}</td>
                <td>{d.attempts}</td>
                <td class="nowrap">
                  <button type="button" onClick={() => act(d, "replay")}>Replay</button>{" "}
                  <button type="button" onClick={() => act(d, "discard")}>Discard</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={after === null} onClick={() => setAfter(null)}>First page</button>
        <button type="button" disabled={items.length < PAGE_SIZE} onClick={() => setAfter(items[items.length - 1]?.event.event_id ?? null)}>
          Next →
        </button>
      </nav>
    </section>
  );
}
