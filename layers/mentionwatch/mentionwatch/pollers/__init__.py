"""Scheduled pollers: platforms without push (Reddit, Bluesky, Mastodon hashtags, RSS/Atom feeds).

`run_poll` (in `runner.py`) runs every query of one source: per query it loads the cursor, asks the platform
for what is new, hands the mentions to a sink (the queue) and only then saves the cursor. See README.md.
"""
