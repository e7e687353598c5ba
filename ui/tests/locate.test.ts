import { describe, expect, it } from "vitest";
import { locateProblems, parsePath, splitMessage } from "../src/lib/locate";
import { SseParser } from "../src/lib/sse";

const source = `meta:
  machine_name: x
states:
  - name: a
    type: initial
  - name: b
transitions:
  - trigger: go
    source: a
    dest: c
`;

describe("paths and messages", () => {
  it("parses dotted paths with indexes", () => {
    expect(parsePath("transitions[0].dest")).toEqual(["transitions", 0, "dest"]);
    expect(parsePath("meta.machine_name")).toEqual(["meta", "machine_name"]);
    expect(parsePath("not a path")).toBeNull();
  });
  it("splits 'path: message' and 'file:line: message'", () => {
    expect(splitMessage("transitions[0].dest: unknown state 'c'")).toEqual({
      path: ["transitions", 0, "dest"],
      line: null,
      text: "unknown state 'c'",
    });
    expect(splitMessage("machine:5: while parsing").line).toBe(5);
    expect(splitMessage("something odd").path).toBeNull();
  });
});

describe("locateProblems", () => {
  it("puts an error on the key it names", () => {
    const [problem] = locateProblems(source, {
      valid: false,
      errors: ["transitions[0].dest: unknown state 'c'"],
      warnings: [],
    });
    expect(problem!.line).toBe(10);
    expect(source.slice(problem!.from, problem!.to)).toBe("dest: c");
    expect(problem!.severity).toBe("error");
  });
  it("puts a warning on the item of its path, first line only", () => {
    const [problem] = locateProblems(source, {
      valid: true,
      errors: [],
      warnings: [{ code: "unreachable_state", severity: "warning", path: "states[1]", message: "unreachable" }],
    });
    expect(problem!.line).toBe(6);
    expect(problem!.message).toBe("unreachable [unreachable_state]");
    expect(source.slice(problem!.from, problem!.to)).toBe("name: b");
  });
  it("uses the line of a YAML syntax error and falls back to the parent of a missing key", () => {
    const [syntax] = locateProblems(source, { valid: false, errors: ["machine:4: bad indent"], warnings: [] });
    expect(syntax!.line).toBe(4);
    expect(syntax!.message).toBe("bad indent");
    const [missing] = locateProblems(source, { valid: false, errors: ["transitions[0].guards: nope"], warnings: [] });
    expect(missing!.line).toBe(8);
    const [nowhere] = locateProblems(source, { valid: false, errors: ["no path here"], warnings: [] });
    expect(nowhere!.line).toBe(1);
  });
});

describe("SseParser", () => {
  it("assembles events across chunks and skips comments", () => {
    const parser = new SseParser();
    expect(parser.push(": hello\n\nid: 1\nevent: transition\nda")).toEqual([]);
    expect(parser.push('ta: {"a":1}\n\n')).toEqual([{ event: "transition", data: '{"a":1}', id: "1" }]);
    expect(parser.push("data: x\r\ndata: y\r\n\r\n")).toEqual([{ event: "message", data: "x\ny", id: "1" }]);
  });
});
