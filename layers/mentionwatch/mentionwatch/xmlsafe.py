"""Parse untrusted XML (WebSub deliveries, RSS and Atom feeds) without ever expanding an entity.

The standard library's expat is driven directly and every document with a DOCTYPE is refused: feeds and Atom
deliveries never need one, and without a DTD there is nothing to expand (no "billion laughs", no external
entity fetch). This keeps the layer free of a dependency (defusedxml) for a rule that fits in a few lines.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405  (only its TreeBuilder is used, fed by the guarded parser below)
from typing import Any
from xml.parsers import expat

MAX_XML_BYTES = 5 * 1024 * 1024


class UnsafeXml(ValueError):
    """The document declares a DOCTYPE or entity, or is not well-formed XML."""


def _refuse(*_args: object) -> None:
    raise UnsafeXml("XML with a DOCTYPE or entity declaration is refused")


def parse_xml(data: bytes) -> ET.Element:
    """The document's root element, with namespaced tags in ElementTree's `{uri}local` form."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXml(f"XML document is larger than {MAX_XML_BYTES} bytes")
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse  # type: ignore[assignment]
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(tag: str, attrs: dict[str, str]) -> None:
        builder.start(_qualify(tag), {_qualify(key): value for key, value in attrs.items()})

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_qualify(tag))
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        raise UnsafeXml(f"not well-formed XML: {err}") from None
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
