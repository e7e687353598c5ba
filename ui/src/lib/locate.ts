// Place validation errors and lint warnings of the API at their line in the YAML source.
import { isNode, LineCounter, parseDocument } from "yaml";

export type Severity = "error" | "warning" | "info";

export interface Problem {
  severity: Severity;
  message: string;
  /** Character offsets into the source; the whole first line when nothing better is known. */
  from: number;
  to: number;
  line: number;
}

export interface ValidationReport {
  valid: boolean;
  errors: string[];
  warnings: { code: string; severity: "warning" | "info"; path: string; message: string }[];
}

/** "transitions[0].dest" -> ["transitions", 0, "dest"]; null when it is not a path. */
export function parsePath(text: string): (string | number)[] | null {
  if (!/^[A-Za-z_][\w-]*(\[\d+\]|\.[A-Za-z_][\w-]*)*$/.test(text)) return null;
  const out: (string | number)[] = [];
  for (const match of text.matchAll(/([A-Za-z_][\w-]*)|\[(\d+)\]/g)) {
    out.push(match[1] !== undefined ? match[1] : Number(match[2]));
  }
  return out;
}

/** Split an error message into where it points and what it says. */
export function splitMessage(message: string): { path: (string | number)[] | null; line: number | null; text: string } {
  const atLine = /^[\w.-]*:(\d+)(?::\d+)?: (.*)$/s.exec(message);
  if (atLine) return { path: null, line: Number(atLine[1]), text: atLine[2] };
  const colon = message.indexOf(": ");
  if (colon > 0) {
    const path = parsePath(message.slice(0, colon));
    if (path) return { path, line: null, text: message.slice(colon + 2) };
  }
  return { path: null, line: null, text: message };
}

interface Located {
  from: number;
  to: number;
}

/** The source range of the deepest node on ``path`` that exists (a missing key points at its parent). */
export function rangeOfPath(source: string, path: (string | number)[]): Located | null {
  const doc = parseDocument(source, { keepSourceTokens: false });
  for (let depth = path.length; depth > 0; depth--) {
    const prefix = path.slice(0, depth);
    const parent = depth > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
    const node = doc.getIn(prefix, true);
    // Prefer the key of a mapping entry: "dest: c" is underlined from "dest".
    const last = prefix[prefix.length - 1];
    if (parent && typeof last === "string" && isNode(parent) && "items" in parent) {
      for (const item of (parent as { items: { key?: unknown; value?: unknown }[] }).items) {
        const key = item.key;
        if (isNode(key) && (key as { value?: unknown }).value === last && key.range) {
          const end = isNode(item.value) && item.value.range ? item.value.range[1] : key.range[1];
          return { from: key.range[0], to: end };
        }
      }
    }
    if (isNode(node) && node.range) return { from: node.range[0], to: node.range[1] };
  }
  return null;
}

function lineRange(counter: LineCounter, source: string, line: number): Located {
  const starts = counter.lineStarts;
  const index = Math.min(Math.max(line, 1), starts.length) - 1;
  const from = starts[index] ?? 0;
  const next = starts[index + 1];
  const to = next === undefined ? source.length : Math.max(from, next - 1);
  return { from, to };
}

function trimRange(source: string, range: Located): Located {
  let { from, to } = range;
  to = Math.min(to, source.length);
  while (to > from && /\s/.test(source[to - 1] ?? "")) to--;
  // A multi-line node is underlined on its first line only.
  const newline = source.indexOf("\n", from);
  if (newline !== -1 && newline < to) to = newline;
  return { from, to: Math.max(to, from) };
}

/** Every error and warning of ``report`` placed in ``source``. */
export function locateProblems(source: string, report: ValidationReport): Problem[] {
  const counter = new LineCounter();
  parseDocument(source, { lineCounter: counter });
  const place = (severity: Severity, path: (string | number)[] | null, line: number | null, text: string): Problem => {
    let range: Located | null = null;
    if (line !== null) range = lineRange(counter, source, line);
    else if (path) range = rangeOfPath(source, path);
    range = trimRange(source, range ?? lineRange(counter, source, 1));
    return { severity, message: text, from: range.from, to: range.to, line: counter.linePos(range.from).line };
  };
  const problems: Problem[] = [];
  for (const error of report.errors) {
    const { path, line, text } = splitMessage(error);
    problems.push(place("error", path, line, path ? error : text));
  }
  for (const warning of report.warnings) {
    const path = parsePath(warning.path);
    problems.push(place(warning.severity, path, null, `${warning.message} [${warning.code}]`));
  }
  return problems.sort((a, b) => a.from - b.from);
}
