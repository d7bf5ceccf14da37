import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { currentToken, finishSignIn, loadConfig, onAuthChange, signInWithLocalToken, signOut, startSignIn } from "./auth.js";
import { IncidentPage, IncidentsPage } from "./incidents.jsx";
import { MentionPage } from "./mention.jsx";
import { OverviewPage } from "./overview.jsx";
import { QueuePage } from "./queue.jsx";
import { useFocusHeading, useRoute } from "./util.js";

function SignIn({ config, error }) {
  const heading = useRef(null);
  const [candidate, setCandidate] = useState("");
  const [problem, setProblem] = useState("");
  const [busy, setBusy] = useState(false);
  useFocusHeading(heading, "sign-in");

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setProblem((await signInWithLocalToken(candidate.trim())) || "");
    setBusy(false);
  }

  return (
    <main id="main" class="narrow">
      <h1 tabIndex={-1} ref={heading}>Sign in to mentionwatch</h1>
      {/* the error of a failed return from the provider arrives after this page is shown */}
      {(problem || error) && <p class="problem" role="alert">{problem || error}</p>}
      {config?.auth === "local" ? (
        <form onSubmit={submit}>
          <p>Local stack: use the token <code>make serve</code> printed (or your <code>MENTIONWATCH_LOCAL_TOKEN</code>).</p>
          <label for="token">Access token</label>
          <input id="token" name="token" type="password" autocomplete="off" required value={candidate}
            onInput={(event) => setCandidate(event.currentTarget.value)} />
          <button type="submit" disabled={busy}>Sign in</button>
        </form>
      ) : config?.auth === "none" ? (
        <p>Sign-in is not configured for this deployment. Set PublicBaseUrl and CognitoDomainPrefix (or the external
          issuer's ConsoleAuthorizeUrl and ConsoleTokenUrl) and deploy again.</p>
      ) : config ? (
        <p><button type="button" onClick={() => startSignIn(config, window.location.hash || "#/queue")}>
          Sign in with {config.provider || "your identity provider"}</button></p>
      ) : (
        <p>Loading…</p>
      )}
    </main>
  );
}

const PAGES = [
  ["queue", "Queue"],
  ["incidents", "Incidents"],
  ["overview", "Overview"],
];

function Shell({ route }) {
  const page = route.path[0] || "queue";
  let content;
  if (page === "mention" && route.path[1]) content = <MentionPage id={route.path[1]} params={route.params} />;
  else if (page === "incident" && route.path[1]) content = <IncidentPage id={route.path[1]} />;
  else if (page === "incidents") content = <IncidentsPage params={route.params} />;
  else if (page === "overview") content = <OverviewPage params={route.params} />;
  else content = <QueuePage params={route.params} />;
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">mentionwatch</span>
        <nav aria-label="Console">
          <ul>
            {PAGES.map(([key, name]) => (
              <li key={key}>
                <a href={`#/${key}`} aria-current={page === key || (page === "incident" && key === "incidents") ? "page" : undefined}>{name}</a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="quiet" onClick={signOut}>Sign out</button>
      </header>
      {content}
    </>
  );
}

function App() {
  const route = useRoute();
  const [config, setConfig] = useState(null);
  const [error, setError] = useState("");
  const [signedIn, setSignedIn] = useState(Boolean(currentToken()));

  useEffect(() => onAuthChange((value) => setSignedIn(Boolean(value))), []);
  useEffect(() => {
    loadConfig()
      .then(async (loaded) => {
        setConfig(loaded);
        if (loaded.auth === "oidc") {
          const returnTo = await finishSignIn(loaded);
          if (returnTo) window.location.hash = returnTo;
        }
      })
      .catch((err) => setError(err.message));
  }, []);

  return signedIn ? <Shell route={route} /> : <SignIn config={config} error={error} />;
}

render(<App />, document.getElementById("app"));
