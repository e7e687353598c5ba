// Turn a machine definition (the YAML/JSON object) into a nested graph for automatic layout:
// compound states contain their children, parallel states contain one box per region.

export interface DiagramNode {
  id: string;
  label: string;
  kind: "state" | "compound" | "parallel" | "region" | "start" | "any";
  /** The state's type: initial, stable, terminal, error, parallel, choice. */
  stateType: string;
  /** The state names this box stands for (for highlighting the current state). */
  state: string | null;
  children: DiagramNode[];
}

export interface DiagramEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  kind: "trigger" | "after" | "auto" | "timeout" | "start";
}

export interface Diagram {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

type Json = Record<string, unknown>;

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === "string" && value ? value : null);

export const stateId = (name: string): string => `s:${name}`;
const regionId = (name: string): string => `r:${name}`;

/** A short description of one guard entry, for edge labels. */
export function guardLabel(guard: unknown): string {
  if (typeof guard === "string") return guard;
  if (!isObject(guard)) return "?";
  if (typeof guard.expr === "string") return guard.expr;
  if (isObject(guard.check)) {
    const check = guard.check;
    const op = Object.keys(check).find((k) => k !== "field") ?? "";
    return `${String(check.field ?? "")} ${op} ${JSON.stringify(check[op] ?? "")}`.trim();
  }
  if (Array.isArray(guard.allOf)) return guard.allOf.map(guardLabel).join(" and ");
  if (Array.isArray(guard.anyOf)) return `(${guard.anyOf.map(guardLabel).join(" or ")})`;
  if (guard.not !== undefined) return `not ${guardLabel(guard.not)}`;
  if (typeof guard.name === "string") return guard.name;
  return Object.keys(guard)[0] ?? "?";
}

/** A delay in milliseconds (or the definition's own text, like "30s") as the largest whole unit. */
export function delayLabel(after: unknown): string {
  if (typeof after !== "number") return String(after);
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (after >= size && after % size === 0) return `${after / size}${unit}`;
  }
  return `${after}ms`;
}

/** The edge label: trigger (or "after 5s" / "auto"), then the guards in brackets. */
export function transitionLabel(transition: Json): string {
  let head = text(transition.trigger) ?? "";
  if (transition.after !== undefined && transition.after !== null) head = `after ${delayLabel(transition.after)}`;
  else if (transition.auto === true) head = "auto";
  const guards = asList(transition.guards).map(guardLabel);
  return guards.length ? `${head} [${guards.join(", ")}]` : head;
}

/** Resolve "parent:child" and "H(parent)" references to the state they draw to. */
function resolveRef(ref: string, known: Set<string>): string | null {
  const history = /^H\*?\((\w+)\)$/.exec(ref);
  if (history) return known.has(history[1]!) ? history[1]! : null;
  if (ref.includes(":")) {
    const child = ref.split(":")[1] ?? "";
    return known.has(child) ? child : null;
  }
  return known.has(ref) ? ref : null;
}

export function buildDiagram(config: unknown): Diagram {
  const root = isObject(config) ? config : {};
  const states = asList(root.states).filter(isObject);
  const byName = new Map<string, Json>();
  for (const s of states) {
    const name = text(s.name);
    if (name && !byName.has(name)) byName.set(name, s);
  }
  const known = new Set(byName.keys());
  const regionOf = new Map<string, string>();
  for (const s of states) {
    for (const region of asList(s.regions).filter(isObject)) {
      const rname = text(region.name);
      if (!rname) continue;
      for (const member of asList(region.states)) if (typeof member === "string") regionOf.set(member, rname);
    }
  }
  const childrenOf = new Map<string, Json[]>();
  const topLevel: Json[] = [];
  for (const s of states) {
    const parent = text(s.parent);
    if (parent && known.has(parent)) {
      childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), s]);
    } else topLevel.push(s);
  }

  const edges: DiagramEdge[] = [];
  const addStart = (container: DiagramNode[], key: string, target: string | null): void => {
    if (!target || !known.has(target)) return;
    const id = `start:${key}`;
    container.unshift({ id, label: "", kind: "start", stateType: "", state: null, children: [] });
    edges.push({ id: `e:${id}`, source: id, target: stateId(target), label: "", kind: "start" });
  };

  const seen = new Set<string>();
  const nodeFor = (s: Json): DiagramNode => {
    const name = text(s.name)!;
    seen.add(name);
    const type = text(s.type) ?? "stable";
    const kids = (childrenOf.get(name) ?? []).filter((c) => !seen.has(text(c.name)!));
    const regions = asList(s.regions).filter(isObject);
    if (regions.length) {
      const regionNodes: DiagramNode[] = regions.map((region) => {
        const rname = text(region.name) ?? "region";
        const members = kids.filter((c) => regionOf.get(text(c.name)!) === rname).map(nodeFor);
        addStart(members, `${name}/${rname}`, text(region.initial));
        return { id: regionId(rname), label: rname, kind: "region", stateType: "", state: null, children: members };
      });
      const loose = kids.filter((c) => !regionOf.has(text(c.name)!) && !seen.has(text(c.name)!)).map(nodeFor);
      return { id: stateId(name), label: name, kind: "parallel", stateType: type, state: name, children: [...regionNodes, ...loose] };
    }
    if (kids.length) {
      const children = kids.map(nodeFor);
      addStart(children, name, text(s.initial_child) ?? (kids[0] ? text(kids[0].name) : null));
      return { id: stateId(name), label: name, kind: "compound", stateType: type, state: name, children };
    }
    return { id: stateId(name), label: name, kind: "state", stateType: type, state: name, children: [] };
  };

  const nodes = topLevel.map(nodeFor);
  const initial = topLevel.find((s) => s.type === "initial");
  if (initial) addStart(nodes, "machine", text(initial.name));

  let anyNode = false;
  asList(root.transitions)
    .filter(isObject)
    .forEach((t, index) => {
      const sources = typeof t.source === "string" ? [t.source] : asList(t.source).filter((x): x is string => typeof x === "string");
      const destRef = text(t.dest);
      const label = transitionLabel(t);
      const kind: DiagramEdge["kind"] = t.after !== undefined && t.after !== null ? "after" : t.auto === true ? "auto" : "trigger";
      sources.forEach((sourceRef, n) => {
        let source: string | null;
        if (sourceRef === "*") {
          anyNode = true;
          source = "any";
        } else {
          const resolved = resolveRef(sourceRef, known);
          source = resolved ? stateId(resolved) : null;
        }
        const dest = destRef ? resolveRef(destRef, known) : source === "any" ? null : sourceRef;
        if (!source || !dest) return;
        const historyMark = destRef && destRef.startsWith("H") ? " (history)" : "";
        edges.push({ id: `t:${index}:${n}`, source, target: stateId(dest), label: label + historyMark, kind });
      });
    });
  for (const s of states) {
    const timeout = isObject(s.timeout) ? s.timeout : null;
    const name = text(s.name);
    const dest = timeout ? text(timeout.destination) : null;
    if (name && dest && known.has(dest)) {
      edges.push({ id: `timeout:${name}`, source: stateId(name), target: stateId(dest), label: `timeout ${delayLabel((Number(timeout!.seconds) || 0) * 1000)}`, kind: "timeout" });
    }
  }
  if (anyNode) nodes.push({ id: "any", label: "any state", kind: "any", stateType: "", state: null, children: [] });
  return { nodes, edges };
}

/** Every node id in the tree, depth first. */
export function allNodes(nodes: DiagramNode[]): DiagramNode[] {
  return nodes.flatMap((n) => [n, ...allNodes(n.children)]);
}
