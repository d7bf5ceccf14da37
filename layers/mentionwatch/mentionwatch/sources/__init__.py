"""Platforms: one module each. Webhook sources register themselves; see `base.py` for the contract."""
