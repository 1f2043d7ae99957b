"""Safe, streaming reading of an LHEO file (SPEC J4): 2.2 or 2.3, one formation at a time.

The file is fed to lxml's pull parser (the feed form of `iterparse`) 64 KB at a time, with no DTD,
no entity resolution and no network; a document type declaration is refused outright (XXE,
billion laughs, external DTD), and so are a file over `max_bytes`, a formation over
`max_formation_bytes` and anything libxml2's own limits refuse (a text over 10 MB, nesting
deeper than 256). Each formation is yielded once its end tag is read, in the 2.3 namespace (2.2
is the same tree under another namespace: LHEO-NOTES §9), then dropped: memory holds one
formation whatever the file's size.

`validate_file` is the first pass of an import: it streams the whole file and checks each
formation against the schema inside a minimal `lheo/offres` document; the import itself (second
pass) starts only when the file as a whole is readable.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .elements import NS as NS23
from .export import _NS_BRACES, _schema

NS22 = "http://www.lheo.org/2.2"
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<\x00!\x00D\x00O\x00C|<!ENTITY")
VERSIONS = {NS23: "2.3", NS22: "2.2"}
CHUNK = 1 << 16
MAX_BYTES = 1 << 30  # 1 GiB: a national dump of the Carif-Oref network is a few hundred MB
MAX_FORMATION_BYTES = 5 << 20  # 5 MiB for one formation: a few hundred sessions


class FileRefused(Exception):
    """The file cannot be imported at all (nothing is written): French reason, line if known."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason if line is None else f"{reason} (ligne {line})")
        self.reason, self.line = reason, line


@dataclass
class Limits:
    max_bytes: int = MAX_BYTES
    max_formation_bytes: int = MAX_FORMATION_BYTES

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(int(config.get("LHEO_IMPORT_MAX_BYTES") or MAX_BYTES),
                   int(config.get("LHEO_IMPORT_MAX_FORMATION_BYTES") or MAX_FORMATION_BYTES))


@dataclass
class ReadFormation:
    index: int  # 1-based position in the file
    element: etree._Element  # in the 2.3 namespace, detached from the file's tree
    line: int | None

    @property
    def path(self) -> str:
        return f"lheo/offres/formation[{self.index}]"


def _parser():
    return etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True,
                               load_dtd=False, dtd_validation=False, huge_tree=False,
                               remove_comments=True, remove_pis=True)


def _local(tag) -> tuple[str | None, str]:
    if not isinstance(tag, str):
        return None, ""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return None, tag


def to_23(element) -> None:
    """Rename a 2.2 subtree into the 2.3 namespace (in place). Foreign elements inside `extra`
    (xs:anyType) keep their own namespace."""
    prefix = f"{{{NS22}}}"
    for node in element.iter(etree.Element):
        if node.tag.startswith(prefix):
            node.tag = f"{{{NS23}}}{node.tag[len(prefix):]}"


class LheoReader:
    """Iterating yields the file's formations (ReadFormation); `version` is known once the root
    has been read. Raises FileRefused for what makes the whole file unreadable."""

    def __init__(self, path, limits: Limits | None = None):
        self.path = Path(path)
        self.limits = limits or Limits()
        self.version: str | None = None

    def __iter__(self) -> Iterator[ReadFormation]:
        size = os.path.getsize(self.path)
        if size > self.limits.max_bytes:
            raise FileRefused(f"Fichier trop volumineux : {size} octets (au plus {self.limits.max_bytes}).")
        if size == 0:
            raise FileRefused("Fichier vide.")
        parser = _parser()
        fed = 0
        state = {"depth": 0, "namespace": None, "index": 0, "started_at": None, "offres": False}
        with open(self.path, "rb") as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                if not fed:
                    self._prolog(chunk)
                fed += len(chunk)
                try:
                    parser.feed(chunk)
                    yield from self._events(parser, state, fed)
                except etree.XMLSyntaxError as error:
                    raise FileRefused(f"XML mal formé ou refusé : {error.msg}", error.lineno) from None
            try:
                parser.close()
                yield from self._events(parser, state, fed)
            except etree.XMLSyntaxError as error:
                raise FileRefused(f"XML mal formé ou refusé : {error.msg}", error.lineno) from None
        if self.version is None:
            raise FileRefused("Aucun élément lheo dans le fichier.")
        if not state["offres"]:
            raise FileRefused("Le fichier n'a pas d'élément offres.")

    def _events(self, parser, state, fed: int) -> Iterator[ReadFormation]:
        limits = self.limits
        for event, element in parser.read_events():
            namespace, name = _local(element.tag)
            if event == "start":
                state["depth"] += 1
                depth = state["depth"]
                if depth == 1:
                    self._root(element, namespace, name)
                    state["namespace"] = namespace
                elif depth == 2:
                    if namespace != state["namespace"] or name not in ("offres", "extras"):
                        raise FileRefused(f"Élément inattendu sous lheo : {element.tag}.", element.sourceline)
                    state["top"] = name
                    state["offres"] = state["offres"] or name == "offres"
                elif depth == 3 and state.get("top") == "offres":
                    if namespace != state["namespace"] or name not in ("formation", "extras"):
                        raise FileRefused(f"Élément inattendu sous offres : {element.tag}.", element.sourceline)
                    if name == "formation":
                        state["started_at"] = fed
                continue
            # end
            depth = state["depth"]
            state["depth"] -= 1
            if depth == 3 and name == "formation" and state.get("top") == "offres":
                state["index"] += 1
                state["started_at"] = None
                parent = element.getparent()
                if parent is not None:
                    parent.remove(element)
                if state["namespace"] == NS22:
                    to_23(element)
                yield ReadFormation(state["index"], element, element.sourceline)
            elif depth in (2, 3):  # offres, root extras, extras of offres: nothing to keep
                element.clear()
        started = state["started_at"]
        if started is not None and fed - started > limits.max_formation_bytes:
            raise FileRefused(f"Formation n° {state['index'] + 1} trop volumineuse "
                              f"(plus de {limits.max_formation_bytes} octets).")

    @staticmethod
    def _prolog(chunk: bytes) -> None:
        """A DOCTYPE before the root element is refused before the parser reads its entities
        (libxml2 would otherwise stop a billion laughs itself, with a less useful message)."""
        root = _ROOT_START.search(chunk)
        prolog = chunk[:root.start()] if root else chunk
        if _DOCTYPE.search(prolog):
            raise FileRefused("Déclaration de type de document (DTD) refusée : un flux LHEO n'en a pas.", 1)

    def _root(self, element, namespace, name) -> None:
        docinfo = element.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
            raise FileRefused("Déclaration de type de document (DTD) refusée : un flux LHEO n'en a pas.",
                              element.sourceline)
        if name != "lheo" or namespace not in VERSIONS:
            raise FileRefused(f"L'élément racine doit être lheo (LHEO 2.2 ou 2.3), pas {element.tag}.",
                              element.sourceline)
        self.version = VERSIONS[namespace]


# --- the schema, formation by formation -------------------------------------------------------------


class Checker:
    """Validates one formation inside a minimal `lheo/offres` document (as the exporter does)."""

    def __init__(self):
        self.root = etree.Element(f"{{{NS23}}}lheo", nsmap={None: NS23})
        self.offres = etree.SubElement(self.root, f"{{{NS23}}}offres")

    def problems(self, read: ReadFormation) -> list[tuple[str, str]]:
        """(XML path with its line, French reason) of each schema error of the formation."""
        element = read.element
        self.offres.append(element)
        try:
            schema = _schema()
            if schema.validate(self.root):
                return []
            by_line: dict[int, etree._Element] = {}
            for node in element.iter(etree.Element):
                by_line.setdefault(node.sourceline, node)
            problems = []
            for error in schema.error_log:
                node = by_line.get(error.line)
                path = read.path + (_path_below(node, element) if node is not None else "")
                problems.append((f"{path} (ligne {error.line})", "refusé par le schéma LHEO : "
                                 + _NS_BRACES.sub("", error.message)))
            return problems or [(read.path, "refusé par le schéma LHEO")]
        finally:
            self.offres.remove(element)


def _path_below(node, top) -> str:
    names = []
    while node is not None and node is not top:
        names.append(_local(node.tag)[1])
        node = node.getparent()
    return "".join(f"/{name}" for name in reversed(names))


@dataclass
class FileCheck:
    version: str | None = None
    formations: int = 0
    refused: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # index → problems


def validate_file(path, limits: Limits | None = None) -> FileCheck:
    """First pass: the whole file streamed and each formation checked against the schema.
    Raises FileRefused when the file itself cannot be imported."""
    reader = LheoReader(path, limits)
    checker = Checker()
    result = FileCheck()
    for read in reader:
        result.formations += 1
        problems = checker.problems(read)
        if problems:
            result.refused[read.index] = problems
    result.version = reader.version
    if result.formations == 0:
        raise FileRefused("Le fichier ne contient aucune formation.")
    return result
