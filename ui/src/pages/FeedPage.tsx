// The live transitions feed: the latest page, then new transitions as server-sent events.
import { useEffect, useState } from "preact/hooks";
import { describe, get, headers, query } from "../lib/api";
import { time } from "../lib/format";
import { Link } from "../lib/Link";
import { SseParser } from "../lib/sse";
import type { TransitionOut, TransitionPage } from "../lib/types";

const KEEP = 200;
const key = (t: TransitionOut) => `${t.entity_id}#${t.version}`;

export function FeedPage({ params }: { params: URLSearchParams }) {
  const machine = params.get("machine") ?? "";
  const [items, setItems] = useState<TransitionOut[]>([]);
  const [status, setStatus] = useState<"connecting" | "live" | "closed">("connecting");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const add = (incoming: TransitionOut[]) =>
      setItems((current) => {
        const seen = new Set(current.map(key));
        const fresh = incoming.filter((t) => !seen.has(key(t)));
        return [...fresh, ...current].slice(0, KEEP);
      });
    const run = async () => {
      const since = new Date().toISOString();
      try {
        const page = await get<TransitionPage>(`/transitions${query({ machine_id: machine, limit: 50 })}`, controller.signal);
        add(page.items);
        const response = await fetch(`/api/v1/transitions/stream${query({ machine_id: machine, since })}`, {
          headers: { ...headers(), Accept: "text/event-stream" },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) throw new Error(`stream: ${response.status} ${response.statusText}`);
        setStatus("live");
        const parser = new SseParser();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const events = parser.push(value);
          const transitions = events.filter((e) => e.event === "transition").map((e) => JSON.parse(e.data) as TransitionOut);
          if (transitions.length) add(transitions.reverse());
        }
        setStatus("closed");
      } catch (e) {
        if (!controller.signal.aborted) {
          setError(describe(e));
          setStatus("closed");
        }
      }
    };
    void run();
    return () => controller.abort();
  }, [machine]);

  return (
    <section>
      <div class="page-head">
        <h1>Live transitions</h1>
        <span class={`pill ${status}`} data-testid="feed-status" role="status">{status}</span>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {items.length === 0 ? (
        <p class="muted">No transitions yet. They appear here as entities move.</p>
      ) : (
        <table class="list" data-testid="feed">
          <thead>
            <tr>
              <th>Time</th>
              <th>Entity</th>
              <th>Machine</th>
              <th>Transition</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={key(t)}>
                <td>{time(t.occurred_at)}</td>
                <td><Link to={`/entities/${encodeURIComponent(t.entity_id)}`}>{t.entity_id}</Link></td>
                <td>{t.machine_id}</td>
                <td>
                  {t.from_state ?? "∅"} —<code>{t.trigger}</code>→ <strong>{t.to_state}</strong>
                </td>
                <td>{t.actions_status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
