import { useEffect, useRef, useState } from "preact/hooks";
import { api, documents, query } from "./api.js";
import { POLL_SECONDS } from "./queue.jsx";
import { count, label, relative, time, useFocusHeading } from "./util.js";

// Incidents group every page about one situation (a thread, a storm, a spike, one author's posts): GET /incidents
// lists those opened in the last 7 days, newest first; each opens into its top posts by reach and its timeline.
// Against an API without incidents, the escalated mentions of the last 7 days are shown instead.
async function loadIncidents() {
  if (await documents("/incidents", "get")) {
    return { incidents: (await api(`/incidents${query({ limit: 100 })}`)).items, source: "incidents" };
  }
  const since = new Date(Date.now() - 7 * 24 * 3600_000).toISOString();
  const page = await api(`/mentions${query({ reaction: "escalate", since, limit: 100 })}`);
  return { incidents: page.items.filter((item) => !item.deleted), source: "mentions" };
}

function clock(value) {
  return new Date(value).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function mentionLink(id) {
  return `#/mention/${encodeURIComponent(id)}`;
}

function Post({ post }) {
  return (
    <li>
      <a href={mentionLink(post.mention_id)}>@{post.handle}</a> on {post.platform} ({count(post.reach)}
      {post.press ? ", press/high reach" : ""}, {post.sentiment.toLowerCase()}): {post.excerpt}
    </li>
  );
}

function IncidentDetail({ id, loaded = null }) {
  const [detail, setDetail] = useState(loaded);
  const [problem, setProblem] = useState("");
  useEffect(() => {
    if (!loaded) api(`/incidents/${encodeURIComponent(id)}`).then(setDetail, (err) => setProblem(err.message));
  }, [id, loaded]);
  if (problem) return <p class="problem" role="alert">{problem}</p>;
  if (!detail) return <p>Loading…</p>;
  const replies = detail.kind === "thread";
  return (
    <div>
      <h3>Top posts by reach</h3>
      <ul>{detail.top_posts.map((post) => <Post key={post.mention_id} post={post} />)}</ul>
      <div class="table-scroll">
      <table class="timeline">
        <caption>Timeline and growth</caption>
        <thead>
          <tr>
            <th scope="col">Time</th><th scope="col">Event</th><th scope="col">{replies ? "Replies" : "Posts"}</th>
            <th scope="col"><abbr title="Largest audience of a post">Reach</abbr></th>
            <th scope="col"><abbr title="Negative share">Neg.</abbr></th>
          </tr>
        </thead>
        <tbody>
          {detail.timeline.map((entry, index) => (
            <tr key={index}>
              <td title={time(entry.at)}>{clock(entry.at)}</td>
              <td>{entry.action}{entry.note ? `: ${entry.note}` : ""}</td>
              <td>{(replies ? entry.replies : entry.mentions) ?? ""}</td>
              <td>{entry.max_reach != null ? count(entry.max_reach) : ""}</td>
              <td>{entry.negative_share != null ? `${Math.round(entry.negative_share * 100)} %` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </div>
  );
}

function incidentLink(id) {
  return `#/incident/${encodeURIComponent(id)}`;
}

function Incident({ incident }) {
  const [open, setOpen] = useState(false);
  return (
    <li class={`card sev-${incident.severity}`}>
      <h2><a href={incidentLink(incident.id)}>{incident.title}</a></h2>
      <Facts incident={incident} />
      <details onToggle={(event) => setOpen(event.currentTarget.open)}>
        <summary>Posts and timeline</summary>
        {open && <IncidentDetail id={incident.id} />}
      </details>
    </li>
  );
}

function Facts({ incident }) {
  return (
    <>
      <p>{incident.summary}</p>
      <p class="muted">
        <span class={`badge sev-${incident.severity}`}>{incident.severity}</span> {label(incident.kind)} ·{" "}
        {incident.team} · {incident.status}
        {incident.acknowledged_by ? ` by ${incident.acknowledged_by}` : ""} · {incident.pages} {incident.pages === 1 ? "page" : "pages"} · opened{" "}
        {time(incident.opened_at)}
      </p>
      {incident.safety_pages.length > 0 && (
        <p>
          Paged on their own (safety):{" "}
          {incident.safety_pages.map((id) => <a key={id} href={mentionLink(id)}>{id} </a>)}
        </p>
      )}
      {incident.root && (
        <p>Root post: <a href={mentionLink(incident.root.mention_id)}>@{incident.root.handle}</a>: {incident.root.excerpt}</p>
      )}
    </>
  );
}

/** One incident (`#/incident/<id>`): where the acknowledge page of an incident's SMS leads. */
export function IncidentPage({ id }) {
  const heading = useRef(null);
  const [incident, setIncident] = useState(null);
  const [problem, setProblem] = useState("");
  useFocusHeading(heading, `incident-${id}`);
  useEffect(() => {
    api(`/incidents/${encodeURIComponent(id)}`).then(setIncident, (err) => setProblem(err.message));
  }, [id]);
  return (
    <main id="main" tabIndex={-1}>
      <p><a href="#/incidents">All incidents</a></p>
      <h1 tabIndex={-1} ref={heading}>{incident ? incident.title : "Incident"}</h1>
      {problem && <p class="problem" role="alert">{problem}</p>}
      {!incident && !problem && <p>Loading…</p>}
      {incident && (
        <div class={`card sev-${incident.severity}`}>
          <Facts incident={incident} />
          <IncidentDetail id={id} loaded={incident} />
        </div>
      )}
    </main>
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
      {!state ? <p>Loading…</p> : state.incidents.length === 0 ? <p>No incidents in the last 7 days.</p> : (
        <ul class="incidents">
          {state.incidents.map((incident) =>
            state.source === "mentions" ? (
              <li key={incident.id} class={`card sev-${incident.severity}`}>
                <h2><a href={mentionLink(incident.id)}>@{incident.author} on {incident.platform}</a></h2>
                <p>{incident.text}</p>
                <p class="muted">
                  <span class={`badge sev-${incident.severity}`}>{incident.severity}</span> {label(incident.category)} ·{" "}
                  {incident.team} · {incident.status} · {relative(incident.sla_due_at)} · {time(incident.created_at)}
                </p>
              </li>
            ) : (
              <Incident key={incident.id} incident={incident} />
            ),
          )}
        </ul>
      )}
      {state?.source === "mentions" && (
        <p class="muted">Escalated mentions of the last 7 days (this API does not list incidents).</p>
      )}
    </main>
  );
}
