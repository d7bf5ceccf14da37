"""Canonical URLs: the same post reached through two integrations is one mention.

Integrations write a post's link differently: `http` or `https`, `WWW.LinkedIn.com` or `www.linkedin.com`, with
share-tracking parameters (`utm_*`, `fbclid`, LinkedIn's `trk`, X's `s` and `t`), with or without a trailing
slash. `canonical_url` removes those differences and nothing else: other query parameters (a comment's id, a
video's `v`) stay, sorted, because they name a different post.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "trk",
        "trackingid",
        "lipi",
        "rcm",
        "ref",
        "ref_src",
        "ref_url",
        "si",
        "s",
        "t",
        "feature",
        "share_id",
        "share_app_id",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMETERS


def canonical_url(url: str) -> str | None:
    """`https://<host without www., lower case><path without trailing slash>?<kept parameters, sorted>`, or None
    for something that is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".").removeprefix("www.")
    if port is not None and port != _DEFAULT_PORTS[parts.scheme.lower()]:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    query = sorted(
        (name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(name)
    )
    return urlunsplit(("https", host, path, urlencode(query), ""))
