"""Helpers every platform module uses to read payloads: JSON decoding and pydantic errors that name the field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mentionwatch.exceptions import MalformedPayload

M = TypeVar("M", bound=BaseModel)


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedPayload(f"body is not valid JSON: {err}", field="body") from None


def describe_validation_error(err: ValidationError, prefix: str = "") -> tuple[str, str]:
    """The first problem as (field path, message), e.g. ("data.author.handle", "Field required")."""
    first = err.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    field = ".".join(part for part in (prefix, location) if part)
    return field or "body", first["msg"]


def validate_payload(model: type[M], data: Any, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        field, message = describe_validation_error(err, prefix)
        raise MalformedPayload(f"{field}: {message}", field=field) from None
