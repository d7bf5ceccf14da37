"""The mention pipeline: receive (webhook → queue) and process (queue → sentiment → triage → store → alert)."""
