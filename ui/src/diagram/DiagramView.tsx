// The machine diagram: nested boxes laid out by ELK, drawn in SVG, with zoom and pan (mouse and keys).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { buildDiagram } from "./graph";
import { layoutDiagram, type Layout } from "./layout";

interface Props {
  config: unknown;
  /** States to highlight (an entity's current leaf states and their ancestors). */
  active?: string[];
  label?: string;
}

interface View {
  k: number;
  x: number;
  y: number;
}

const clamp = (k: number) => Math.min(4, Math.max(0.2, k));

export function DiagramView({ config, active = [], label = "State machine diagram" }: Props) {
  const [layout, setLayout] = useState<Layout | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<View>({ k: 1, x: 0, y: 0 });
  const frame = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  const key = useMemo(() => JSON.stringify(config ?? null), [config]);
  const fitted = useRef(false);

  useEffect(() => {
    let cancelled = false;
    layoutDiagram(buildDiagram(config))
      .then((result) => {
        if (cancelled) return;
        setLayout(result);
        setError(null);
      })
      .catch((e: unknown) => !cancelled && setError(String(e)));
    return () => {
      cancelled = true;
    };
  }, [key]);

  const fit = () => {
    const box = frame.current?.getBoundingClientRect();
    if (!layout || !box || !layout.width || !layout.height) return;
    const k = clamp(Math.min(box.width / layout.width, box.height / layout.height, 1.4));
    setView({ k, x: (box.width - layout.width * k) / 2, y: (box.height - layout.height * k) / 2 });
  };

  useEffect(() => {
    if (layout && !fitted.current) {
      fit();
      fitted.current = true;
    }
  }, [layout]);

  const zoom = (factor: number, cx?: number, cy?: number) => {
    const box = frame.current?.getBoundingClientRect();
    const px = cx ?? (box ? box.width / 2 : 0);
    const py = cy ?? (box ? box.height / 2 : 0);
    setView((v) => {
      const k = clamp(v.k * factor);
      return { k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k };
    });
  };

  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const box = frame.current!.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - box.left, e.clientY - box.top);
  };
  const onKey = (e: KeyboardEvent) => {
    const step = 40;
    const moves: Record<string, () => void> = {
      "+": () => zoom(1.2),
      "=": () => zoom(1.2),
      "-": () => zoom(1 / 1.2),
      "0": fit,
      ArrowLeft: () => setView((v) => ({ ...v, x: v.x + step })),
      ArrowRight: () => setView((v) => ({ ...v, x: v.x - step })),
      ArrowUp: () => setView((v) => ({ ...v, y: v.y + step })),
      ArrowDown: () => setView((v) => ({ ...v, y: v.y - step })),
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      move();
    }
  };

  const activeSet = new Set(active);
  return (
    <div class="diagram">
      <div class="diagram-tools" role="toolbar" aria-label="Diagram zoom">
        <button type="button" onClick={() => zoom(1.2)} aria-label="Zoom in">+</button>
        <button type="button" onClick={() => zoom(1 / 1.2)} aria-label="Zoom out">−</button>
        <button type="button" onClick={fit}>Fit</button>
      </div>
      <div
        ref={frame}
        class="diagram-frame"
        tabIndex={0}
        role="img"
        aria-label={`${label}. Focus and use + and − to zoom, arrow keys to pan, 0 to fit.`}
        onWheel={onWheel}
        onKeyDown={onKey}
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y }));
        }}
        onPointerUp={() => (drag.current = null)}
      >
        {error && <p class="error">Could not lay out the diagram: {error}</p>}
        {layout && (
          <svg width="100%" height="100%" data-testid="diagram">
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
              </marker>
            </defs>
            <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
              {layout.boxes.map((b) => {
                const n = b.node;
                if (n.kind === "start") {
                  return <circle key={n.id} class="start" cx={b.x + b.width / 2} cy={b.y + b.height / 2} r={b.width / 2} />;
                }
                const isActive = n.state !== null && activeSet.has(n.state);
                const container = n.children.length > 0 || n.kind === "region";
                return (
                  <g key={n.id} class={`node ${n.kind} type-${n.stateType || "none"}${isActive ? " active" : ""}`} data-state={n.state ?? undefined}>
                    <rect x={b.x} y={b.y} width={b.width} height={b.height} rx={n.kind === "region" ? 2 : 8} />
                    {n.stateType === "terminal" && !container && (
                      <rect class="inner" x={b.x + 3} y={b.y + 3} width={b.width - 6} height={b.height - 6} rx={6} />
                    )}
                    <text x={container ? b.x + 10 : b.x + b.width / 2} y={container ? b.y + 18 : b.y + b.height / 2 + 4} text-anchor={container ? "start" : "middle"}>
                      {n.kind === "region" ? `region ${n.label}` : n.kind === "parallel" ? `${n.label} ∥` : n.label}
                    </text>
                  </g>
                );
              })}
              {layout.routes.map((r) => (
                <g key={r.edge.id} class={`edge ${r.edge.kind}`}>
                  <polyline points={r.points.map((p) => `${p.x},${p.y}`).join(" ")} marker-end="url(#arrow)" />
                  {r.label && (
                    <g class="edge-label">
                      <rect x={r.label.x} y={r.label.y} width={r.label.width} height={r.label.height} rx={3} />
                      <text x={r.label.x + r.label.width / 2} y={r.label.y + r.label.height - 4} text-anchor="middle">
                        {r.edge.label}
                      </text>
                    </g>
                  )}
                </g>
              ))}
            </g>
          </svg>
        )}
      </div>
    </div>
  );
}
