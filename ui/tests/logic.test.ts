import { describe, expect, it } from "vitest";
import { duration, parseObject } from "../src/lib/format";
import { query } from "../src/lib/api";
import { match } from "../src/lib/router";
import { withAncestors } from "../src/pages/EntityPage";

describe("router.match", () => {
  it("matches parameters and decodes them", () => {
    expect(match("/machines/:id", "/machines/order%20v2")).toEqual({ id: "order v2" });
    expect(match("/machines/:id", "/machines")).toBeNull();
    expect(match("/entities/:id", "/machines/x")).toBeNull();
  });
});

describe("api.query", () => {
  it("drops empty values", () => {
    expect(query({ machine_id: "m", state: "", after: null, limit: 20 })).toBe("?machine_id=m&limit=20");
    expect(query({ state: undefined })).toBe("");
  });
});

describe("format", () => {
  it("parses JSON objects and names the field when it cannot", () => {
    expect(parseObject("", "payload")).toEqual({});
    expect(parseObject('{"a": 1}', "payload")).toEqual({ a: 1 });
    expect(() => parseObject("[1]", "payload")).toThrow("payload: expected a JSON object");
    expect(() => parseObject("{a", "context")).toThrow(/^context: not valid JSON/);
  });
  it("describes durations", () => {
    expect(duration(null)).toBe("now");
    expect(duration(0.25)).toBe("250 ms");
    expect(duration(4.2)).toBe("4.2 s");
    expect(duration(125)).toBe("2 min 5 s");
    expect(duration(7200)).toBe("2 h 0 min");
  });
});

describe("withAncestors", () => {
  it("adds every compound state containing an active state", () => {
    const config = {
      states: [{ name: "top" }, { name: "mid", parent: "top" }, { name: "leaf", parent: "mid" }, { name: "other", parent: "top" }],
    };
    expect(withAncestors(["leaf"], config).sort()).toEqual(["leaf", "mid", "top"]);
    expect(withAncestors(["x"], undefined)).toEqual(["x"]);
  });
});
