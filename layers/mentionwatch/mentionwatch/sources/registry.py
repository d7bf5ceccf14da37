"""Finds every platform module in `mentionwatch.sources` and indexes its source by name."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TypeVar

from mentionwatch.exceptions import UnknownSource
from mentionwatch.sources.base import WebhookSource

_SOURCES: dict[str, type[WebhookSource]] = {}
_NOT_PLATFORMS = frozenset({"base", "registry", "payloads"})

S = TypeVar("S", bound=type[WebhookSource])


def register(source_class: S) -> S:
    """Class decorator: makes a webhook source reachable at `/webhooks/{source_class.name}`."""
    existing = _SOURCES.get(source_class.name)
    if existing is not None and existing is not source_class:
        raise ValueError(f"two webhook sources are named {source_class.name!r}")
    _SOURCES[source_class.name] = source_class
    return source_class


@cache
def _discover() -> None:
    import mentionwatch.sources as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in _NOT_PLATFORMS and not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")


def webhook_source_names() -> list[str]:
    _discover()
    return sorted(_SOURCES)


def get_webhook_source(name: str) -> WebhookSource:
    _discover()
    try:
        return _SOURCES[name]()
    except KeyError:
        raise UnknownSource(f"unknown source {name!r}", field="source") from None
