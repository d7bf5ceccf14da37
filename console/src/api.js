// Every data call goes through the authenticated API on the same origin: no CORS, no other host.
import { currentToken, signOut } from "./auth.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.error?.message || `the API answered ${status}`);
    this.status = status;
    this.code = problem?.error?.code;
    this.field = problem?.error?.field;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${currentToken()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  const text = await response.text();
  let payload = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (response.status === 401) signOut();
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

export const mentionPath = (id) => `/mentions/${encodeURIComponent(id)}`;

export function query(params) {
  const search = new URLSearchParams();
  Object.entries(params).forEach(([key, value]) => {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  });
  const text = search.toString();
  return text ? `?${text}` : "";
}

let openapi = null;

/** Whether the API documents a route (GET /openapi.json is public): the console uses routes other work adds
 * (replies, incidents) as soon as the API serves them, without probing with requests that fail. */
export async function documents(path, method) {
  if (openapi === null) {
    openapi = fetch("/openapi.json", { credentials: "omit" })
      .then((response) => (response.ok ? response.json() : {}))
      .catch(() => ({}));
  }
  return Boolean((await openapi)?.paths?.[path]?.[method]);
}
