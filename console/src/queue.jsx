import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, mentionPath, query } from "./api.js";
import {
  CATEGORIES, PLATFORMS, REACTIONS, SENTIMENTS, SEVERITY_RANK, go, label, relative, useFocusHeading,
} from "./util.js";

// One refresh every 20 s while the page is visible. The default "open" view needs two requests (new and
// acknowledged), so a page never makes more than one request per 10 s on average.
export const POLL_SECONDS = 20;
const OPEN = ["new", "acknowledged"];
const FILTERS = ["status", "team", "reaction", "category", "platform", "brand", "sentiment", "since"];
const SINCE = { "24h": 24, "7d": 24 * 7, "30d": 24 * 30 };
// The last queue shown per filter set, in memory: coming back from a mention shows it at once while it refreshes.
const shown = new Map();

/** Escalations first (someone has been paged for them), then the soonest SLA (none last), then the most severe,
 * then the oldest. */
export function queueOrder(a, b) {
  const paged = Number(b.reaction === "escalate") - Number(a.reaction === "escalate");
  if (paged) return paged;
  const dueA = a.sla_due_at ? Date.parse(a.sla_due_at) : Infinity;
  const dueB = b.sla_due_at ? Date.parse(b.sla_due_at) : Infinity;
  if (dueA !== dueB) return dueA - dueB;
  const severity = (SEVERITY_RANK[b.severity] || 0) - (SEVERITY_RANK[a.severity] || 0);
  if (severity) return severity;
  return Date.parse(a.created_at) - Date.parse(b.created_at);
}

function apiFilters(params, status) {
  const since = SINCE[params.get("since")];
  return {
    status,
    team: params.get("team"),
    reaction: params.get("reaction"),
    platform: params.get("platform"),
    brand: params.get("brand"),
    sentiment: params.get("sentiment"),
    since: since ? new Date(Date.now() - since * 3600_000).toISOString() : undefined,
    limit: 100,
  };
}

async function loadQueue(params) {
  const chosen = params.get("status") || "open";
  const statuses = chosen === "open" ? OPEN : [chosen];
  const pages = await Promise.all(statuses.map((status) => api(`/mentions${query(apiFilters(params, status))}`)));
  const category = params.get("category");
  // "Needing a person": mentions the rules only monitor stay out unless the reaction filter asks for them.
  const reaction = params.get("reaction");
  return pages
    .flatMap((page) => page.items)
    .filter((item) => !item.deleted && (!category || item.category === category))
    .filter((item) => reaction || item.reaction !== "monitor")
    .sort(queueOrder);
}

function Select({ name, options, value, onChange, any = "Any" }) {
  return (
    <div class="field">
      <label for={`filter-${name}`}>{label(name)}</label>
      <select id={`filter-${name}`} name={name} value={value || ""} onChange={(e) => onChange(name, e.currentTarget.value)}>
        <option value="">{any}</option>
        {options.map((option) => (
          <option key={option} value={option}>{label(option)}</option>
        ))}
      </select>
    </div>
  );
}

function Text({ name, value, onChange }) {
  return (
    <div class="field">
      <label for={`filter-${name}`}>{label(name)}</label>
      <input id={`filter-${name}`} name={name} value={value || ""} autocomplete="off"
        onChange={(e) => onChange(name, e.currentTarget.value.trim())} />
    </div>
  );
}

export function QueuePage({ params }) {
  const heading = useRef(null);
  const [items, setItems] = useState(null);
  const [selected, setSelected] = useState(0);
  const [problem, setProblem] = useState("");
  const [notice, setNotice] = useState("");
  const [updated, setUpdated] = useState(null);
  const key = params.toString();
  useFocusHeading(heading, "queue");

  const refresh = useCallback(async () => {
    try {
      const loaded = await loadQueue(params);
      shown.set(key, loaded);
      setItems((previous) => {
        if (previous) {
          const known = new Set(previous.map((item) => item.id));
          const fresh = loaded.filter((item) => !known.has(item.id)).length;
          if (fresh) setNotice(`${fresh} new mention${fresh === 1 ? "" : "s"} in the queue`);
        }
        return loaded;
      });
      setUpdated(new Date());
      setProblem("");
    } catch (err) {
      setProblem(err.message);
    }
  }, [key]);

  useEffect(() => {
    setItems(shown.get(key) ?? null);
    setSelected(0);
    refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") refresh();
    }, POLL_SECONDS * 1000);
    return () => clearInterval(timer);
  }, [key]);

  function setFilter(name, value) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    go(`#/queue${next.toString() ? `?${next}` : ""}`);
  }

  async function acknowledge(item) {
    try {
      await api(mentionPath(item.id), { method: "PATCH", body: { action: "acknowledge", version: item.version } });
      setNotice(`Acknowledged ${item.id}`);
    } catch (err) {
      setProblem(err.status === 409 ? `${item.id} changed meanwhile: ${err.message}. Reloaded.` : err.message);
    }
    refresh();
  }

  useEffect(() => {
    function onKey(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target.closest?.("input, textarea, select, button")) return;
      if (!items || !items.length) return;
      const item = items[Math.min(selected, items.length - 1)];
      const open = (focus) => go(`#/mention/${encodeURIComponent(item.id)}${focus ? `?focus=${focus}` : ""}`);
      const actions = {
        j: () => setSelected((index) => Math.min(index + 1, items.length - 1)),
        k: () => setSelected((index) => Math.max(index - 1, 0)),
        a: () => item.status === "new" && acknowledge(item),
        r: () => open("reply"),
        e: () => open("assign"),
        o: () => open(),
        Enter: () => open(),
      };
      const action = actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [items, selected]);

  useEffect(() => {
    document.getElementById(`row-${selected}`)?.scrollIntoView?.({ block: "nearest" });
  }, [selected]);

  return (
    <main id="main" tabIndex={-1}>
      <h1 tabIndex={-1} ref={heading}>Queue</h1>
      <p class="hint">
        Escalations first, then the soonest SLA, then severity. Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> opens,
        <kbd>a</kbd> acknowledges, <kbd>r</kbd> replies, <kbd>e</kbd> assigns.
      </p>
      <form class="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <Select name="status" options={["new", "acknowledged", "responded", "resolved"]} value={params.get("status")}
          onChange={setFilter} any="Open (new and acknowledged)" />
        <Text name="team" value={params.get("team")} onChange={setFilter} />
        <Select name="reaction" options={REACTIONS} value={params.get("reaction")} onChange={setFilter} />
        <Select name="category" options={CATEGORIES} value={params.get("category")} onChange={setFilter} />
        <Select name="platform" options={PLATFORMS} value={params.get("platform")} onChange={setFilter} />
        <Text name="brand" value={params.get("brand")} onChange={setFilter} />
        <Select name="sentiment" options={SENTIMENTS} value={params.get("sentiment")} onChange={setFilter} />
        <Select name="since" options={Object.keys(SINCE)} value={params.get("since")} onChange={setFilter} any="Any time" />
      </form>
      <p class="status" role="status" aria-live="polite">
        {notice} {updated && <span>Updated {updated.toLocaleTimeString()}.</span>}
      </p>
      {problem && <p class="problem" role="alert">{problem}</p>}
      {items === null ? (
        <p>Loading the queue…</p>
      ) : items.length === 0 ? (
        <p>Nothing needs a person right now.</p>
      ) : (
        <ol class="queue" aria-label="Mentions needing a person">
          {items.map((item, index) => (
            <li key={item.id} id={`row-${index}`} class={`row sev-${item.severity}${index === selected ? " selected" : ""}`}
              data-id={item.id} aria-current={index === selected ? "true" : undefined}>
              <div class="row-head">
                <span class={`badge sev-${item.severity}`}>{item.severity}</span>
                <span class="badge">{label(item.reaction)}</span>
                <span class={`due${item.sla_due_at && Date.parse(item.sla_due_at) < Date.now() ? " overdue" : ""}`}>
                  {relative(item.sla_due_at)}
                </span>
                <span class="muted">{item.status}{item.assignee ? ` · ${item.assignee}` : ""}</span>
              </div>
              <a class="row-link" href={`#/mention/${encodeURIComponent(item.id)}`} onFocus={() => setSelected(index)}>
                <strong>@{item.author}</strong> on {item.platform}: {item.text}
              </a>
              <div class="row-foot muted">
                {item.brand} · {label(item.category)} · {item.team} · {item.sentiment.toLowerCase()}
              </div>
              {item.status === "new" && (
                <button type="button" class="small" onClick={() => acknowledge(item)}>
                  Acknowledge<span class="visually-hidden"> {item.id}</span>
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
