// A small history-API router: the UI lives under /ui/, every page has its own address.
import { useEffect, useState } from "preact/hooks";

export const BASE = "/ui";

export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path || "/";
}

export function navigate(path: string): void {
  history.pushState(null, "", BASE + path);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function usePath(): [string, URLSearchParams] {
  const [path, setPath] = useState(currentPath());
  const [search, setSearch] = useState(location.search);
  useEffect(() => {
    const update = () => {
      setPath(currentPath());
      setSearch(location.search);
    };
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return [path, new URLSearchParams(search)];
}

/** Match "/machines/:id" against a path; the decoded parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(h);
    else if (w !== h) return null;
  }
  return params;
}
