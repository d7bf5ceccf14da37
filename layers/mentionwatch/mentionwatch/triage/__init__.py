"""Triage: decide the reaction a mention needs, its category, severity, team and SLA."""

from mentionwatch.triage.base import Triager

__all__ = ["Triager"]
