import { useEffect, useRef, useState } from "preact/hooks";
import { api, mentionPath } from "./api.js";
import { canSendReplies, recordReply, sendReply } from "./reply.js";
import { count, label, relative, time, useFocusHeading } from "./util.js";

/** Fill the placeholders a suggested reply may still hold ({handle}, {brand}, {author}). */
export function fillPlaceholders(text, detail) {
  const values = {
    handle: detail.mention.author.handle.replace(/^@/, ""),
    author: detail.mention.author.display_name || detail.mention.author.handle.replace(/^@/, ""),
    brand: detail.mention.match.brand,
  };
  return (text || "").replace(/\{(\w+)\}/g, (whole, name) => values[name] ?? whole);
}

function Scores({ sentiment }) {
  const entries = Object.entries(sentiment.scores || {}).filter(([, value]) => typeof value === "number");
  return (
    <dl class="scores">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>{label(name)}</dt>
          <dd>
            <meter min="0" max="1" value={value} aria-label={`${label(name)} score`} /> {value.toFixed(2)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function MentionPage({ id, params }) {
  const heading = useRef(null);
  const replyBox = useRef(null);
  const assignBox = useRef(null);
  const [detail, setDetail] = useState(null);
  const [problem, setProblem] = useState("");
  const [notice, setNotice] = useState("");
  const [reply, setReply] = useState("");
  const [link, setLink] = useState("");
  const [assignee, setAssignee] = useState("");
  const [busy, setBusy] = useState(false);
  const [sendable, setSendable] = useState(false);
  const focus = params.get("focus");

  async function load() {
    try {
      const loaded = await api(mentionPath(id));
      setDetail(loaded);
      setReply((current) => current || fillPlaceholders(loaded.triage.suggested_response, loaded));
      setAssignee((current) => current || loaded.assignee || "");
      setProblem("");
      return loaded;
    } catch (err) {
      setProblem(err.status === 404 ? "No such mention, or not one of your team's." : err.message);
      return null;
    }
  }

  useEffect(() => {
    setDetail(null);
    setReply("");
    load();
  }, [id]);
  useEffect(() => {
    canSendReplies().then(setSendable);
  }, []);
  useFocusHeading(heading, `${id}-${Boolean(detail)}`);
  useEffect(() => {
    if (!detail) return;
    if (focus === "reply") replyBox.current?.focus();
    if (focus === "assign") assignBox.current?.focus();
  }, [detail?.id, focus]);

  async function step(body, done) {
    setBusy(true);
    setProblem("");
    try {
      const changed = await api(mentionPath(id), { method: "PATCH", body: { ...body, version: detail.version } });
      setDetail(changed);
      setNotice(done);
    } catch (err) {
      if (err.status === 409) {
        await load();
        setProblem(`Not applied: ${err.message}. The page now shows the latest version; try again.`);
      } else setProblem(err.message);
    }
    setBusy(false);
  }

  async function submitReply(event) {
    event.preventDefault();
    setBusy(true);
    setProblem("");
    try {
      setNotice(await sendReply(detail, reply.trim()));
      await load();
    } catch (err) {
      setProblem(`${err.message}${err.status === 422 ? " Post it on the platform yourself and record its link below." : ""}`);
    }
    setBusy(false);
  }

  async function submitRecord(event) {
    event.preventDefault();
    setBusy(true);
    setProblem("");
    try {
      setDetail(await recordReply(detail, { text: reply.trim(), link: link.trim() }));
      setNotice("Reply recorded.");
    } catch (err) {
      if (err.status === 409) await load();
      setProblem(err.message);
    }
    setBusy(false);
  }

  if (!detail) {
    return (
      <main id="main" tabIndex={-1}>
        <h1 tabIndex={-1} ref={heading}>Mention</h1>
        {problem ? <p class="problem" role="alert">{problem}</p> : <p>Loading…</p>}
      </main>
    );
  }
  const { mention, sentiment, triage } = detail;
  const author = mention.author;
  const canReply = detail.status !== "resolved" && detail.status !== "responded";
  return (
    <main id="main" tabIndex={-1} class="mention">
      <p><a href="#/queue">← Back to the queue</a></p>
      <h1 tabIndex={-1} ref={heading}>
        @{author.handle.replace(/^@/, "")} on {mention.platform}
        <span class={`badge sev-${triage.severity}`}>{triage.severity}</span>
        <span class="badge status">{detail.status}</span>
      </h1>
      <p class="status" role="status" aria-live="polite">{notice}</p>
      {problem && <p class="problem" role="alert">{problem}</p>}
      <section aria-labelledby="post-heading" class="card">
        <h2 id="post-heading">Post</h2>
        <blockquote lang={mention.language || undefined}>{mention.text}</blockquote>
        <dl class="facts">
          <div><dt>Author</dt><dd>{author.display_name ? `${author.display_name} (@${author.handle.replace(/^@/, "")})` : `@${author.handle.replace(/^@/, "")}`}{author.verified ? " ✓ verified" : ""}</dd></div>
          <div><dt>Reach</dt><dd>{count(author.followers)} followers · {count(mention.engagement.likes)} likes · {count(mention.engagement.reposts)} reposts · {count(mention.engagement.replies)} replies{mention.engagement.views != null ? ` · ${count(mention.engagement.views)} views` : ""}</dd></div>
          <div><dt>Posted</dt><dd>{time(mention.created_at)}</dd></div>
          <div><dt>Brand</dt><dd>{mention.match.brand}{mention.match.keywords.length ? ` (${mention.match.keywords.join(", ")})` : ""}</dd></div>
          <div><dt>Link</dt><dd>{mention.permalink ? <a href={mention.permalink} rel="noopener noreferrer" target="_blank">{mention.permalink}</a> : "none"}</dd></div>
        </dl>
      </section>

      <section aria-labelledby="actions-heading" class="card">
        <h2 id="actions-heading">Work it</h2>
        <div class="actions">
          <button type="button" disabled={busy || detail.status !== "new"} onClick={() => step({ action: "acknowledge" }, "Acknowledged.")}>Acknowledge</button>
          <button type="button" disabled={busy || detail.status === "resolved"} onClick={() => step({ action: "resolve" }, "Resolved.")}>Resolve</button>
          <button type="button" disabled={busy || detail.status !== "resolved"} onClick={() => step({ action: "reopen" }, "Reopened.")}>Reopen</button>
        </div>
        <form class="inline" onSubmit={(event) => { event.preventDefault(); step({ action: "assign", assignee: assignee.trim() }, `Assigned to ${assignee.trim()}.`); }}>
          <label for="assignee">Assign to</label>
          <input id="assignee" ref={assignBox} value={assignee} required maxLength={256} autocomplete="email"
            onInput={(event) => setAssignee(event.currentTarget.value)} />
          <button type="submit" disabled={busy || detail.status === "resolved"}>Assign</button>
        </form>
        <form class="reply" onSubmit={submitReply}>
          <label for="reply">Reply {triage.suggested_response ? "(suggested, edit before sending)" : ""}</label>
          <textarea id="reply" ref={replyBox} rows={5} maxLength={10000} value={reply}
            onInput={(event) => setReply(event.currentTarget.value)} />
          {sendable && (
            <button type="submit" disabled={busy || !canReply || !reply.trim()}>Send reply</button>
          )}
        </form>
        <form class="inline" onSubmit={submitRecord}>
          <label for="reply-link">{sendable ? "Replied elsewhere? Link to the posted reply" : "Link to the reply you posted"}</label>
          <input id="reply-link" type="url" required value={link} placeholder="https://…" pattern="https?://\S+"
            onInput={(event) => setLink(event.currentTarget.value)} />
          <button type="submit" disabled={busy || !canReply}>Record reply</button>
        </form>
        <p class="muted">Version {detail.version}. Every step sends it; a stale one is refused and the page reloads.</p>
      </section>

      <section aria-labelledby="triage-heading" class="card">
        <h2 id="triage-heading">Why it is here</h2>
        <dl class="facts">
          <div><dt>Reaction</dt><dd>{label(triage.reaction)}</dd></div>
          <div><dt>Category</dt><dd>{label(triage.category)}</dd></div>
          <div><dt>Team</dt><dd>{triage.team}</dd></div>
          <div><dt>SLA</dt><dd>{triage.sla_due_at ? `${relative(triage.sla_due_at)} (${time(triage.sla_due_at)})` : "none"}</dd></div>
          <div><dt>Sentiment</dt><dd>{sentiment.label.toLowerCase()} ({sentiment.analyzer})</dd></div>
          <div><dt>Alert</dt><dd>{detail.alert_state}</dd></div>
        </dl>
        <Scores sentiment={sentiment} />
        <h3>Rules</h3>
        <ul>{triage.rules.map((rule) => <li key={rule}><code>{rule}</code></li>)}</ul>
        <h3>Reasons</h3>
        <ul>{triage.reasons.map((reason, index) => <li key={index}>{reason}</li>)}</ul>
        {triage.tags.length > 0 && <p>Tags: {triage.tags.join(", ")}</p>}
      </section>

      <section aria-labelledby="thread-heading" class="card">
        <h2 id="thread-heading">Thread</h2>
        {detail.thread.length === 0 ? <p>No other mentions of this conversation.</p> : (
          <ul class="thread">
            {detail.thread.map((other) => (
              <li key={other.id}>
                <a href={`#/mention/${encodeURIComponent(other.id)}`}>@{other.author}</a> ({time(other.created_at)}, {other.status}): {other.text}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="history-heading" class="card">
        <h2 id="history-heading">History</h2>
        <ol class="history">
          <li>{time(mention.created_at)}: posted; stored {time(detail.stored_at)}</li>
          {detail.alerts.map((alert, index) => (
            <li key={`alert-${index}`}>{time(alert.sent_at)}: {alert.kind} alert sent ({alert.channel})</li>
          ))}
          {detail.history.map((event, index) => (
            <li key={`event-${index}`}>
              {time(event.at)}: {event.action}{event.assignee ? ` to ${event.assignee}` : ""} by {event.actor} via {event.via}
              {event.response_link ? <> (<a href={event.response_link} rel="noopener noreferrer" target="_blank">reply</a>)</> : ""}
              {event.note ? `: ${event.note}` : ""}
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
