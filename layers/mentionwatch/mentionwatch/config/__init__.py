"""Configuration models loaded at start-up: what to watch (`watch.py`)."""
