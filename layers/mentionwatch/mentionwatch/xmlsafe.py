"""Parse untrusted XML (WebSub deliveries, RSS and Atom feeds) without ever expanding an entity.

The standard library's expat is driven directly and every document with a DOCTYPE is refused: feeds and Atom
deliveries never need one, and without a DTD there is nothing to expand (no "billion laughs", no external
entity fetch). This keeps the layer free of a dependency (defusedxml) for a rule that fits in a few lines.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405  (only its TreeBuilder is used, fed by the guarded parser below)
from typing import Any
from xml.parsers import expat

MAX_XML_BYTES = 5 * 1024 * 1024
MAX_XML_DEPTH = 32  # an Atom or RSS feed nests 4 to 6 levels; the tree walkers below recurse
# Feeds are UTF-8 in practice; these are what expat decodes itself. Anything else (a codec Python would load for
# expat, or none at all) is refused rather than trusted.
ALLOWED_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf16", "iso-8859-1", "latin-1", "latin1", "us-ascii"})
_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


class UnsafeXml(ValueError):
    """The document declares a DOCTYPE or entity, or is not well-formed XML."""


def _refuse(*_args: object) -> None:
    raise UnsafeXml("XML with a DOCTYPE or entity declaration is refused")


def parse_xml(data: bytes) -> ET.Element:
    """The document's root element, with namespaced tags in ElementTree's `{uri}local` form."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXml(f"XML document is larger than {MAX_XML_BYTES} bytes")
    declared = _DECLARED_ENCODING.match(data[:200])
    if declared and declared.group(1).decode("ascii", "replace").lower() not in ALLOWED_ENCODINGS:
        raise UnsafeXml("XML encoding is not one of " + ", ".join(sorted(ALLOWED_ENCODINGS)))
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse  # type: ignore[assignment]
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    depth = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise UnsafeXml(f"XML nests deeper than {MAX_XML_DEPTH} elements")
        builder.start(_qualify(tag), {_qualify(key): value for key, value in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_qualify(tag))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        raise UnsafeXml(f"not well-formed XML: {err}") from None
    except UnsafeXml:
        raise
    except (ValueError, LookupError) as err:  # an encoding expat cannot decode
        raise UnsafeXml(f"XML cannot be decoded: {err}") from None
    return builder.close()


def _qualify(name: str) -> str:
    """expat gives `uri}local` for namespaced names; ElementTree spells them `{uri}local`."""
    return "{" + name if "}" in name else name


def child_text(element: ET.Element, tag: str) -> str | None:
    child = element.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def element_to_dict(element: ET.Element) -> dict[str, Any]:
    """A JSON-friendly copy of an Atom element for the raw store: tag, attributes, text, children."""
    node: dict[str, Any] = {"tag": element.tag}
    if element.attrib:
        node["attributes"] = dict(element.attrib)
    if element.text and element.text.strip():
        node["text"] = element.text.strip()
    children = [element_to_dict(child) for child in element]
    if children:
        node["children"] = children
    return node
