"""Helpers every platform module uses to read payloads: bounded JSON decoding, platform timestamps and pydantic
errors that name the field. A signed delivery is still untrusted input: whatever it holds is a 400, never a 500."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ValidationError

from mentionwatch.exceptions import MalformedPayload, PayloadTooLarge
from mentionwatch.models import check_platform_time

M = TypeVar("M", bound=BaseModel)

MAX_JSON_DEPTH = 64  # the deepest platform payload (an X quote of a reply) nests about 8 levels
MAX_INTEGER_DIGITS = 40  # ids and counts fit in 20 digits; far below Python's 4,300-digit conversion limit
MAX_MENTIONS_PER_DELIVERY = 100  # platforms batch far fewer (YouTube 1, X and Meta a handful); the rest is abuse
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _HugeInteger(str):
    """A JSON integer too long to be a count or an id: reported with its field by `_sanitise`."""


def _parse_int(digits: str) -> int | _HugeInteger:
    return _HugeInteger(digits) if len(digits) > MAX_INTEGER_DIGITS else int(digits)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def load_json(body: bytes | str) -> Any:
    """Decode a JSON body; nesting beyond `MAX_JSON_DEPTH`, integers longer than `MAX_INTEGER_DIGITS`, NaN and
    Infinity are refused as `MalformedPayload`. Lone UTF-16 surrogates (`"\\ud83d"`, e.g. an emoji cut in half by
    a platform's truncation) become U+FFFD, so the mention travels and stores as valid UTF-8."""
    if _too_deep(body):
        raise MalformedPayload(f"body: JSON nests deeper than {MAX_JSON_DEPTH} levels", field="body")
    try:
        data = json.loads(body, parse_int=_parse_int, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedPayload(f"body: JSON nests deeper than {MAX_JSON_DEPTH} levels", field="body") from None
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError and the hooks' refusals
        raise MalformedPayload(f"body is not valid JSON: {err}", field="body") from None
    return _sanitise(data, "")


def _too_deep(body: bytes | str) -> bool:
    """A cheap upper bound before parsing: brackets outside strings are counted only when there are enough."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _sanitise(value: Any, path: str) -> Any:
    if isinstance(value, _HugeInteger):
        field = path or "body"
        raise MalformedPayload(f"{field}: integer has more than {MAX_INTEGER_DIGITS} digits", field=field)
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {
            _LONE_SURROGATE.sub("\ufffd", key): _sanitise(inner, f"{path}.{key}" if path else key)
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [_sanitise(inner, f"{path}.{index}" if path else str(index)) for index, inner in enumerate(value)]
    return value


def replace_lone_surrogates(value: Any) -> Any:
    """A copy of a decoded structure with every lone surrogate in its strings and keys replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {replace_lone_surrogates(key): replace_lone_surrogates(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [replace_lone_surrogates(inner) for inner in value]
    return value


def epoch_time(value: int | float | str, field: str, *, millis: bool = False) -> datetime:
    """A platform's Unix time (seconds, or milliseconds) as an aware datetime inside the sane window, or a
    `MalformedPayload` naming `field`: negative, huge, non-ASCII digits ("²") and booleans are refused."""
    number: float
    if isinstance(value, bool):
        raise MalformedPayload(f"{field}: expected a Unix time, got a boolean", field=field)
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 16):
            raise MalformedPayload(f"{field}: expected a Unix time in digits", field=field)
        number = int(text)
    else:
        number = value
    try:
        moment = datetime.fromtimestamp(number / 1000 if millis else number, UTC)
        return check_platform_time(moment)
    except (ValueError, OverflowError, OSError) as err:
        raise MalformedPayload(f"{field}: {err}", field=field) from None


def _check_uri(value: str) -> str:
    try:
        urlsplit(value)  # "http://[::1" raises here; later code splits URIs freely
    except ValueError as err:
        raise ValueError(f"not a valid URI: {err}") from None
    return value


Uri = Annotated[str, AfterValidator(_check_uri)]
"""A URI a platform sent that `urllib.parse.urlsplit` can take apart (a field error if it cannot)."""


def check_entry_count(count: int, field: str) -> None:
    """One delivery may carry at most `MAX_MENTIONS_PER_DELIVERY` mentions: more is refused whole (413) before
    anything is built or enqueued, so a signed flood cannot tie up the function or the queue."""
    if count > MAX_MENTIONS_PER_DELIVERY:
        raise PayloadTooLarge(
            f"{field}: {count} entries in one delivery; the limit is {MAX_MENTIONS_PER_DELIVERY}", field=field
        )


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
