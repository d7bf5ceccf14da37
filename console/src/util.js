import { useEffect, useState } from "preact/hooks";

export const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1 };
export const STATUSES = ["new", "acknowledged", "responded", "resolved"];
export const REACTIONS = ["escalate", "respond", "acknowledge", "monitor"];
export const SEVERITIES = ["critical", "high", "medium", "low"];
export const SENTIMENTS = ["NEGATIVE", "MIXED", "NEUTRAL", "POSITIVE"];
export const PLATFORMS = ["x", "facebook", "instagram", "mastodon", "youtube", "reddit", "bluesky", "rss", "webhook"];
export const CATEGORIES = [
  "complaint", "question", "praise", "service_failure", "safety", "legal", "churn_risk", "abuse", "spam", "other",
];

/** The hash route: "#/mention/x:1?tab=a" -> { path: ["mention", "x:1"], params: URLSearchParams }. */
export function parseRoute(hash) {
  const text = (hash || "").replace(/^#\/?/, "");
  const [pathText, queryText = ""] = text.split("?", 2);
  const path = pathText ? pathText.split("/").map((part) => decodeURIComponent(part)) : [];
  return { path, params: new URLSearchParams(queryText) };
}

export function useRoute() {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return parseRoute(hash);
}

export function go(hash) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}

export function time(value) {
  if (!value) return "";
  const date = new Date(value);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function relative(value, now = Date.now()) {
  if (!value) return "no SLA";
  const minutes = Math.round((new Date(value).getTime() - now) / 60000);
  const span = Math.abs(minutes) >= 120 ? `${Math.round(Math.abs(minutes) / 60)} h` : `${Math.abs(minutes)} min`;
  return minutes < 0 ? `overdue ${span}` : `due in ${span}`;
}

export function label(value) {
  return String(value ?? "").replace(/_/g, " ");
}

export function count(value) {
  if (value === null || value === undefined) return "unknown";
  return new Intl.NumberFormat().format(value);
}

/** Focus the page's heading after a route change, so keyboard and screen-reader users start at the top. */
export function useFocusHeading(ref, key) {
  useEffect(() => {
    ref.current?.focus();
  }, [key]);
}
