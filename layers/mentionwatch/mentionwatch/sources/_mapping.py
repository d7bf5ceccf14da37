"""Building a `Mention` from platform fields: a value the model refuses becomes a 400 naming the field."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from mentionwatch.exceptions import MalformedPayload
from mentionwatch.models import Mention
from mentionwatch.sources.payloads import describe_validation_error


def build_mention(where: str = "", **fields: Any) -> Mention:
    try:
        return Mention(**fields)
    except ValidationError as err:
        field, message = describe_validation_error(err, where)
        raise MalformedPayload(f"{field}: {message}", field=field) from None
