"""The triage console: the built single-page app (console/ at the repository root builds it into static/) and
what serving it needs - the sign-in configuration and the security headers."""
