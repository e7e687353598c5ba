// The REST API client: JSON in and out, the bearer token of the login, errors as ApiError.
import type { ErrorBody } from "./types";

const TOKEN_KEY = "pystator.token";
type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
}

export function token(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(value: string | null): void {
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

/** Called whenever the API answers 401 (the shell shows the login form). */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function headers(json = false): Record<string, string> {
  const out: Record<string, string> = { Accept: "application/json" };
  const current = token();
  if (current) out.Authorization = `Bearer ${current}`;
  if (json) out["Content-Type"] = "application/json";
  return out;
}

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    if (response.status === 401) unauthorizedListeners.forEach((l) => l());
    const errorBody =
      parsed && typeof parsed === "object" && "message" in parsed
        ? (parsed as ErrorBody)
        : { status: response.status, code: "http_error", message: `${response.status} ${response.statusText}` };
    throw new ApiError(response.status, errorBody);
  }
  return parsed as T;
}

export const get = <T,>(path: string, signal?: AbortSignal) => request<T>("GET", path, undefined, signal);
export const post = <T,>(path: string, body: unknown, signal?: AbortSignal) => request<T>("POST", path, body, signal);
export const put = <T,>(path: string, body: unknown) => request<T>("PUT", path, body);

export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A readable one-line description of any error. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const extra = error.body.errors?.length ? `: ${error.body.errors.join("; ")}` : "";
    return `${error.body.message}${extra}`;
  }
  return error instanceof Error ? error.message : String(error);
}
