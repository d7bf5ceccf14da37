// Sign-in. The token lives in this module's memory only: never in localStorage, sessionStorage or a cookie, so a
// reload or a new tab asks again (deployed, the identity provider's session makes that one click).
// Deployed: OAuth 2.0 authorization code with PKCE (RFC 7636) against the Cognito hosted UI or the external
// issuer named in /console/config.json. Only the one-time PKCE verifier and state wait in sessionStorage across
// the redirect; they are removed as soon as the code is exchanged. Locally: the MENTIONWATCH_LOCAL_TOKEN, typed in.

let token = null;
let expiresAt = 0;
const listeners = new Set();

export function currentToken() {
  if (token && expiresAt && Date.now() >= expiresAt) signOut();
  return token;
}

export function onAuthChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setToken(value, lifetimeSeconds) {
  token = value;
  expiresAt = value && lifetimeSeconds ? Date.now() + lifetimeSeconds * 1000 - 30_000 : 0;
  listeners.forEach((listener) => listener(token));
}

export function signOut() {
  setToken(null, 0);
}

export async function loadConfig() {
  const response = await fetch("/console/config.json", { credentials: "omit" });
  if (!response.ok) throw new Error(`console configuration unavailable (${response.status})`);
  return response.json();
}

/** Locally: check the typed token against the API before keeping it. */
export async function signInWithLocalToken(candidate) {
  const response = await fetch("/mentions?limit=1", { headers: { Authorization: `Bearer ${candidate}` } });
  if (response.status === 401) return "That token was refused. Use the MENTIONWATCH_LOCAL_TOKEN `make serve` printed.";
  if (response.status === 403) return "That token grants no team: ask for a team or the all-teams group.";
  if (!response.ok) return `The API answered ${response.status}.`;
  setToken(candidate, 0);
  return null;
}

const PENDING = "mentionwatch.pkce";

function base64url(bytes) {
  let text = "";
  bytes.forEach((byte) => (text += String.fromCharCode(byte)));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(length) {
  return base64url(crypto.getRandomValues(new Uint8Array(length)));
}

/** Deployed: go to the identity provider's sign-in page (authorization code with PKCE, S256). */
export async function startSignIn(config, returnTo) {
  const verifier = randomString(48);
  const state = randomString(24);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  const url = new URL(config.authorize_url);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: config.redirect_uri,
    scope: config.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.toString());
}

/** Deployed: back from the identity provider with ?code=&state=; exchange the code. Returns the route to show. */
export async function finishSignIn(config) {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  const error = params.get("error");
  if (!code && !error) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  window.history.replaceState(null, "", window.location.pathname + window.location.hash);
  if (error) throw new Error(`sign-in failed: ${error}`);
  if (!pending || pending.state !== params.get("state")) throw new Error("sign-in failed: the state did not match");
  const response = await fetch(config.token_url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.client_id,
      code,
      redirect_uri: config.redirect_uri,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error(`sign-in failed: the token endpoint answered ${response.status}`);
  const tokens = await response.json();
  // The API's JWT authorizer checks the audience: Cognito ID tokens carry it as `aud` and also carry the team
  // attribute (custom:team); access tokens carry `client_id` and only the groups. config.token_use picks one.
  const chosen = config.token_use === "access" ? tokens.access_token : tokens.id_token || tokens.access_token;
  setToken(chosen, tokens.expires_in || 3600);
  return pending.returnTo || "#/queue";
}
