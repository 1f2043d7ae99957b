"""LHEO elements as JSON trees, for the stored document of imported records (SPEC J4), and the
schema's child order, to put a value back at its place in a sequence.

A tree is `{"t": tag, "a": {attributes}, "x": text, "c": [children], "y": tail}`, keys left out
when empty; `t` is the local name in the LHEO namespace, `{namespace}name` otherwise (markup
inside an `extra`, xs:anyType). Text is kept as read: the round trip gives back what came in.
"""
from __future__ import annotations

from functools import lru_cache

from lxml import etree

from .elements import NS

_PREFIX = f"{{{NS}}}"
XS = "{http://www.w3.org/2001/XMLSchema}"


def local(tag: str) -> str:
    return tag[len(_PREFIX):] if tag.startswith(_PREFIX) else tag


def to_tree(element) -> dict:
    tree: dict = {"t": local(element.tag)}
    if element.attrib:
        tree["a"] = dict(element.attrib)
    children = [child for child in element if isinstance(child.tag, str)]
    text = element.text
    if children:
        if text and text.strip():
            tree["x"] = text
        tree["c"] = [to_tree(child) for child in children]
    elif text:
        tree["x"] = text
    tail = element.tail
    if tail and tail.strip():
        tree["y"] = tail
    return tree


def build(parent, tree: dict):
    """Append the element of `tree` (and its subtree) to `parent`; returns it."""
    tag = tree["t"]
    element = etree.SubElement(parent, tag if tag.startswith("{") else _PREFIX + tag, tree.get("a") or {})
    if "x" in tree:
        element.text = tree["x"]
    for child in tree.get("c", ()):
        build(element, child)
    if "y" in tree:
        element.tail = tree["y"]
    return element


def children(tree: dict, tag: str) -> list[dict]:
    return [child for child in tree.get("c", ()) if child["t"] == tag]


def child(tree: dict, tag: str) -> dict | None:
    return next((c for c in tree.get("c", ()) if c["t"] == tag), None)


def text(tree: dict | None, tag: str | None = None) -> str | None:
    """The text of `tree` (or of its first `tag` child), stripped; None when absent or empty."""
    node = tree if tag is None or tree is None else child(tree, tag)
    if node is None:
        return None
    value = (node.get("x") or "").strip()
    return value or None


def remove(tree: dict, tags) -> list[dict]:
    """Take the children named in `tags` out of `tree`; returns them."""
    tags = {tags} if isinstance(tags, str) else set(tags)
    taken = [c for c in tree.get("c", ()) if c["t"] in tags]
    if taken:
        tree["c"] = [c for c in tree["c"] if c["t"] not in tags]
    return taken


@lru_cache(maxsize=1)
def sequences() -> dict[str, tuple[str, ...]]:
    """element name → the names of its children in the schema's order (lheo.xsd: `X-subtype`)."""
    from .export import SCHEMA_PATH

    root = etree.parse(str(SCHEMA_PATH), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    subtypes = {}
    for complex_type in root.iter(f"{XS}complexType"):
        name = complex_type.get("name") or ""
        sequence = complex_type.find(f"{XS}sequence")
        if name.endswith("-subtype") and sequence is not None:
            subtypes[name[:-len("-subtype")]] = tuple(
                (item.get("ref") or item.get("name") or "").split(":")[-1] for item in sequence.iter(f"{XS}element"))
    result = {}
    for element in root.findall(f"{XS}element"):
        type_name = (element.get("type") or "").split(":")[-1]
        if type_name.endswith("-type") and type_name[:-len("-type")] in subtypes:
            result[element.get("name")] = subtypes[type_name[:-len("-type")]]
    return result


def insert(parent, element) -> None:
    """Move `element` into `parent` at the place the schema's sequence gives it: after the last
    child that comes before it (or equal, for repeated elements)."""
    order = sequences().get(local(parent.tag), ())
    name = local(element.tag)
    rank = order.index(name) if name in order else len(order)
    position = 0
    for index, existing in enumerate(parent):
        existing_name = local(existing.tag) if isinstance(existing.tag, str) else ""
        existing_rank = order.index(existing_name) if existing_name in order else len(order)
        if existing_rank <= rank:
            position = index + 1
    parent.insert(position, element)


def put_text(parent, tag: str, value, **attributes):
    """A `tag` text child at its place in `parent` (nothing when `value` is None or empty)."""
    if value is None or value == "":
        return None
    element = etree.Element(_PREFIX + tag, {k: v for k, v in attributes.items() if v})
    element.text = value if isinstance(value, str) else str(value)
    insert(parent, element)
    return element
