import { describe, expect, it } from "vitest";
import { allNodes, buildDiagram, transitionLabel } from "../src/diagram/graph";
import { layoutDiagram } from "../src/diagram/layout";

const nested = {
  states: [
    { name: "idle", type: "initial" },
    { name: "working", initial_child: "fetch" },
    { name: "fetch", parent: "working" },
    { name: "parse", parent: "working" },
    {
      name: "both",
      type: "parallel",
      regions: [
        { name: "left", initial: "l1", states: ["l1", "l2"] },
        { name: "right", initial: "r1", states: ["r1"] },
      ],
    },
    { name: "l1", parent: "both" },
    { name: "l2", parent: "both" },
    { name: "r1", parent: "both" },
    { name: "done", type: "terminal", timeout: null },
    { name: "waiting", timeout: { seconds: 5, destination: "done" } },
  ],
  transitions: [
    { trigger: "start", source: "idle", dest: "working", guards: ["ready", { expr: "n > 1" }] },
    { after: "30s", source: "fetch", dest: "parse" },
    { trigger: "split", source: ["parse", "fetch"], dest: "both" },
    { trigger: "go", source: "l1", dest: "l2" },
    { trigger: "abort", source: "*", dest: "done" },
    { trigger: "back", source: "parse", dest: "H(working)" },
  ],
};

describe("buildDiagram", () => {
  it("nests children in compound states and regions in parallel states", () => {
    const diagram = buildDiagram(nested);
    const working = diagram.nodes.find((n) => n.id === "s:working")!;
    expect(working.kind).toBe("compound");
    expect(working.children.map((c) => c.id)).toEqual(["start:working", "s:fetch", "s:parse"]);
    const both = diagram.nodes.find((n) => n.id === "s:both")!;
    expect(both.kind).toBe("parallel");
    expect(both.children.map((c) => c.id)).toEqual(["r:left", "r:right"]);
    expect(both.children[0]!.children.map((c) => c.id)).toEqual(["start:both/left", "s:l1", "s:l2"]);
    expect(allNodes(diagram.nodes).filter((n) => n.kind === "state").map((n) => n.state)).toContain("r1");
  });

  it("labels edges with triggers, guards, delays and timeouts", () => {
    const { edges } = buildDiagram(nested);
    const labels = edges.map((e) => `${e.source}>${e.target}:${e.label}`);
    expect(labels).toContain("s:idle>s:working:start [ready, n > 1]");
    expect(labels).toContain("s:fetch>s:parse:after 30s");
    expect(labels).toContain("s:parse>s:both:split");
    expect(labels).toContain("s:fetch>s:both:split");
    expect(labels).toContain("any>s:done:abort");
    expect(labels).toContain("s:parse>s:working:back (history)");
    expect(labels).toContain("s:waiting>s:done:timeout 5s");
    expect(labels).toContain("start:machine>s:idle:");
  });

  it("describes guard composites and delays in milliseconds", () => {
    expect(transitionLabel({ after: 1500, source: "a" })).toBe("after 1500ms");
    expect(transitionLabel({ after: 86_400_000, source: "a" })).toBe("after 24h");
    expect(transitionLabel({ after: 90_000, source: "a" })).toBe("after 90s");
    expect(transitionLabel({ after: 120_000, source: "a" })).toBe("after 2m");
    expect(transitionLabel({ auto: true, guards: [{ not: { anyOf: ["a", { check: { field: "x", gt: 3 } }] } }] })).toBe(
      'auto [not (a or x gt 3)]',
    );
  });

  it("survives half-typed definitions", () => {
    expect(buildDiagram(null)).toEqual({ nodes: [], edges: [] });
    expect(buildDiagram({ states: [{ name: "a" }, 3, null], transitions: [{ source: "a", dest: "missing" }] }).edges).toEqual([]);
  });
});

describe("layoutDiagram", () => {
  it("places children inside their parents and routes every edge", async () => {
    const layout = await layoutDiagram(buildDiagram(nested));
    const box = (id: string) => layout.boxes.find((b) => b.node.id === id)!;
    const inside = (child: string, parent: string) => {
      const c = box(child);
      const p = box(parent);
      return c.x >= p.x && c.y >= p.y && c.x + c.width <= p.x + p.width && c.y + c.height <= p.y + p.height;
    };
    expect(inside("s:fetch", "s:working")).toBe(true);
    expect(inside("s:l2", "r:left")).toBe(true);
    expect(inside("r:left", "s:both")).toBe(true);
    const left = box("r:left");
    const right = box("r:right");
    // regions side by side, not overlapping
    expect(left.x + left.width <= right.x || right.x + right.width <= left.x).toBe(true);
    expect(layout.routes.length).toBe(buildDiagram(nested).edges.length);
    for (const route of layout.routes) expect(route.points.length).toBeGreaterThanOrEqual(2);
  });
});
