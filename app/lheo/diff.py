"""`flask lheo diff A B`: what differs between two LHEO files (2.2 or 2.3), element by element.

Both files are read with the import's safe streaming reader; each formation (by its `numero`, else
its place) is flattened into `path → value` pairs — every element's text and every attribute,
`action[2]/session[1]/periode/debut` — and compared. Texts are compared stripped; the export's
own timestamps (`horodatage-export`) are not compared. Memory holds the formations of one file
(flattened), the other is streamed.
"""
from __future__ import annotations

from dataclasses import dataclass

from .reader import LheoReader
from .tree import local

IGNORED_ATTRIBUTES = frozenset({"horodatage-export"})


@dataclass
class Difference:
    formation: str
    path: str
    left: str | None
    right: str | None

    def __str__(self) -> str:
        if self.path == "":
            return (f"formation {self.formation} : absente de B" if self.right is None
                    else f"formation {self.formation} : absente de A")
        return f"formation {self.formation} : {self.path} : {_show(self.left)} ≠ {_show(self.right)}"


def _show(value) -> str:
    if value is None:
        return "(absent)"
    return repr(value if len(value) <= 80 else value[:77] + "...")


def flatten(element, ignored=IGNORED_ATTRIBUTES) -> dict[str, str]:
    """`path → value` of every text and attribute below (and on) `element`."""
    result: dict[str, str] = {}

    def walk(node, path: str) -> None:
        for name, value in sorted(node.attrib.items()):
            if local(name) not in ignored:
                result[f"{path}/@{local(name)}"] = value
        kids = [child for child in node if isinstance(child.tag, str)]
        text = (node.text or "").strip()
        if text or not kids:
            result[path] = text
        seen: dict[str, int] = {}
        for child in kids:
            name = local(child.tag)
            seen[name] = seen.get(name, 0) + 1
            walk(child, f"{path}/{name}[{seen[name]}]" if path else f"{name}[{seen[name]}]")

    walk(element, "")
    return result


def _formations(path) -> dict[str, dict[str, str]]:
    found = {}
    for read in LheoReader(path):
        key = read.element.get("numero") or f"#{read.index}"
        if key in found:
            key = f"{key}#{read.index}"
        found[key] = flatten(read.element)
    return found


def compare(left_path, right_path) -> list[Difference]:
    """Every difference between the two files' formations (empty: equal on every element)."""
    left = _formations(left_path)
    differences: list[Difference] = []
    seen = set()
    for read in LheoReader(right_path):
        key = read.element.get("numero") or f"#{read.index}"
        if key in seen:
            key = f"{key}#{read.index}"
        seen.add(key)
        right = flatten(read.element)
        mine = left.get(key)
        if mine is None:
            differences.append(Difference(key, "", None, "présente"))
            continue
        for path in sorted(mine.keys() | right.keys()):
            if mine.get(path) != right.get(path):
                differences.append(Difference(key, path, mine.get(path), right.get(path)))
    for key in left:
        if key not in seen:
            differences.append(Difference(key, "", "présente", None))
    return differences
