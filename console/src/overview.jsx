import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api, query } from "./api.js";
import { label, useFocusHeading } from "./util.js";

const HOUR = 3600_000;
const SERIES = [
  ["NEGATIVE", "#b3261e"],
  ["MIXED", "#8a5a00"],
  ["NEUTRAL", "#4a5568"],
  ["POSITIVE", "#1b6e3a"],
];

/** Buckets whose volume exceeds the mean by two standard deviations (and at least 3 mentions). */
export function spikes(totals) {
  if (!totals.length) return [];
  const mean = totals.reduce((sum, value) => sum + value, 0) / totals.length;
  const sd = Math.sqrt(totals.reduce((sum, value) => sum + (value - mean) ** 2, 0) / totals.length);
  return totals.map((value) => value >= 3 && value > mean + 2 * sd);
}

function VolumeChart({ report }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current || !report) return undefined;
    const xs = report.series.map((bucket) => Date.parse(bucket.start) / 1000);
    const totals = report.series.map((bucket) => bucket.total);
    const spiky = spikes(totals);
    const data = [
      xs,
      ...SERIES.map(([name]) => report.series.map((bucket) => bucket.by_sentiment[name] || 0)),
      report.series.map((bucket, index) => (spiky[index] ? bucket.total : null)),
      report.series.map((bucket) => (bucket.by_reaction.escalate ? bucket.by_reaction.escalate : null)),
    ];
    const width = Math.max(280, box.current.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: 260,
        series: [
          {},
          ...SERIES.map(([name, stroke]) => ({ label: label(name.toLowerCase()), stroke, width: 2 })),
          { label: "spike", stroke: "#000", width: 0, points: { show: true, size: 10, fill: "#ffd400", stroke: "#000" } },
          { label: "escalations", stroke: "#6b21a8", width: 0, points: { show: true, size: 8, fill: "#6b21a8" } },
        ],
        axes: [{}, { label: "mentions per hour" }],
        legend: { live: false },
      },
      data,
      box.current,
    );
    return () => plot.destroy();
  }, [report]);
  return <div ref={box} class="chart" role="img" aria-label="Mentions per hour by sentiment over the last 48 hours, spikes and escalations marked" />;
}

function Bars({ caption, rows, unit = "" }) {
  const top = Math.max(1, ...rows.flatMap((row) => row.values.map((value) => value || 0)));
  return (
    <table class="bars">
      <caption>{caption}</caption>
      <thead><tr><th scope="col">{rows.header || ""}</th>{rows.columns.map((column) => <th scope="col" key={column}>{column}</th>)}</tr></thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.name}>
            <th scope="row">{label(row.name)}</th>
            {row.values.map((value, index) => (
              <td key={index}>
                <span class={`bar bar-${index}`} style={{ width: `${Math.round(((value || 0) / top) * 100)}%` }} />
                <span class="bar-value">{value ?? "–"}{value != null ? unit : ""}</span>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function loadOverview() {
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const [recent, week, lastWeek] = await Promise.all([
    api(`/stats${query({ interval: "hour", since: iso(now - 48 * HOUR), until: iso(now) })}`),
    api(`/stats${query({ interval: "day", since: iso(now - 7 * 24 * HOUR), until: iso(now) })}`),
    api(`/stats${query({ interval: "day", since: iso(now - 14 * 24 * HOUR), until: iso(now - 7 * 24 * HOUR) })}`),
  ]);
  const teams = Object.keys(week.by_team).sort((a, b) => week.by_team[b] - week.by_team[a]).slice(0, 6);
  const perTeam = await Promise.all(
    teams.map((team) => api(`/stats${query({ interval: "day", team, since: iso(now - 7 * 24 * HOUR), until: iso(now) })}`)),
  );
  return { recent, week, lastWeek, teams, perTeam };
}

export function OverviewPage() {
  const heading = useRef(null);
  const [state, setState] = useState(null);
  const [problem, setProblem] = useState("");
  useFocusHeading(heading, "overview");
  useEffect(() => {
    loadOverview().then(setState, (err) => setProblem(err.message));
  }, []);

  let teamRows = [];
  let categoryRows = [];
  if (state) {
    teamRows = state.teams.map((team, index) => ({
      name: team,
      values: [state.perTeam[index].response_minutes.p50, state.week.sla.breached_by_team[team] || 0],
    }));
    teamRows.columns = ["median first response (min)", "SLA breaches"];
    teamRows.header = "Team";
    const thisWeek = state.week.by_category || {};
    const before = state.lastWeek.by_category || {};
    categoryRows = Object.keys({ ...thisWeek, ...before })
      .sort((a, b) => (thisWeek[b] || 0) - (thisWeek[a] || 0))
      .slice(0, 8)
      .map((name) => ({ name, values: [thisWeek[name] || 0, before[name] || 0] }));
    categoryRows.columns = ["this week", "last week"];
    categoryRows.header = "Category";
  }
  return (
    <main id="main" tabIndex={-1}>
      <h1 tabIndex={-1} ref={heading}>Overview</h1>
      {problem && <p class="problem" role="alert">{problem}</p>}
      {!state ? <p>Loading…</p> : (
        <>
          <section class="card" aria-labelledby="volume-heading">
            <h2 id="volume-heading">Volume by sentiment, last 48 hours</h2>
            <VolumeChart report={state.recent} />
            <p class="muted">
              {state.recent.total} mentions; {spikes(state.recent.series.map((b) => b.total)).filter(Boolean).length} spike hours
              (yellow), {state.recent.by_reaction.escalate || 0} escalations (purple).
            </p>
          </section>
          <section class="card" aria-labelledby="teams-heading">
            <h2 id="teams-heading">Teams, last 7 days</h2>
            <p>
              First response p50 {state.week.response_minutes.p50 ?? "–"} min, p90 {state.week.response_minutes.p90 ?? "–"} min;
              SLA met {state.week.sla.met} of {state.week.sla.with_sla}, breached {state.week.sla.breached} ({state.week.sla.breached_open} still open).
            </p>
            {teamRows.length ? <Bars caption="First response and SLA breaches per team" rows={teamRows} /> : <p>No mentions.</p>}
          </section>
          <section class="card" aria-labelledby="categories-heading">
            <h2 id="categories-heading">Top categories, this week against last week</h2>
            {categoryRows.length ? <Bars caption="Mentions per category" rows={categoryRows} /> : <p>No mentions.</p>}
          </section>
        </>
      )}
    </main>
  );
}
