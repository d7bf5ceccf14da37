import { useEffect, useRef, useState } from "preact/hooks";
import { api, documents, query } from "./api.js";
import { POLL_SECONDS } from "./queue.jsx";
import { label, relative, time, useFocusHeading } from "./util.js";

// Incidents are the escalations: mentions the rules decided to page someone for. When the API serves
// GET /incidents (the escalation issue), its incidents and timelines are shown; until then the escalated
// mentions of the last 7 days, newest first, each with its workflow state.
async function loadIncidents() {
  if (await documents("/incidents", "get")) {
    return { incidents: (await api("/incidents")).items, source: "incidents" };
  }
  const since = new Date(Date.now() - 7 * 24 * 3600_000).toISOString();
  const page = await api(`/mentions${query({ reaction: "escalate", since, limit: 100 })}`);
  return { incidents: page.items.filter((item) => !item.deleted), source: "mentions" };
}

function Growth({ incident }) {
  const points = incident.timeline || [];
  if (!points.length) return null;
  return (
    <table>
      <caption>Growth</caption>
      <thead><tr><th scope="col">Time</th><th scope="col">Mentions</th><th scope="col">Reach</th><th scope="col">Negative</th></tr></thead>
      <tbody>
        {points.map((point, index) => (
          <tr key={index}>
            <td>{time(point.at)}</td><td>{point.count ?? ""}</td><td>{point.reach ?? ""}</td>
            <td>{point.negative_share != null ? `${Math.round(point.negative_share * 100)} %` : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function IncidentsPage() {
  const heading = useRef(null);
  const [state, setState] = useState(null);
  const [problem, setProblem] = useState("");
  useFocusHeading(heading, "incidents");

  useEffect(() => {
    const refresh = () => loadIncidents().then(setState, (err) => setProblem(err.message));
    refresh();
    const timer = setInterval(() => document.visibilityState === "visible" && refresh(), POLL_SECONDS * 1000);
    return () => clearInterval(timer);
  }, []);

  return (
    <main id="main" tabIndex={-1}>
      <h1 tabIndex={-1} ref={heading}>Incidents</h1>
      {problem && <p class="problem" role="alert">{problem}</p>}
      {!state ? <p>Loading…</p> : state.incidents.length === 0 ? <p>No open incidents.</p> : (
        <ul class="incidents">
          {state.incidents.map((incident) =>
            state.source === "mentions" ? (
              <li key={incident.id} class={`card sev-${incident.severity}`}>
                <h2><a href={`#/mention/${encodeURIComponent(incident.id)}`}>@{incident.author} on {incident.platform}</a></h2>
                <p>{incident.text}</p>
                <p class="muted">
                  <span class={`badge sev-${incident.severity}`}>{incident.severity}</span> {label(incident.category)} ·{" "}
                  {incident.team} · {incident.status} · {relative(incident.sla_due_at)} · {time(incident.created_at)}
                </p>
              </li>
            ) : (
              <li key={incident.id} class={`card sev-${incident.severity || "high"}`}>
                <h2><a href={`#/mention/${encodeURIComponent(incident.mention_ids?.[0] || "")}`}>{incident.title || incident.id}</a></h2>
                <p class="muted">{incident.status} · opened {time(incident.opened_at)} · {incident.count ?? 0} mentions</p>
                <Growth incident={incident} />
                {incident.pages?.length > 0 && (
                  <ul>{incident.pages.map((sent, index) => <li key={index}>{time(sent.sent_at)}: paged {sent.route || sent.channel}</li>)}</ul>
                )}
              </li>
            ),
          )}
        </ul>
      )}
      {state?.source === "mentions" && (
        <p class="muted">Escalated mentions of the last 7 days (the API does not list incidents yet).</p>
      )}
    </main>
  );
}
