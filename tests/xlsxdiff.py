"""Helpers for tests that compare two xlsx packages part by part and cell by cell.

Everything here works on the raw package (zipfile + xml.etree), never through openpyxl, so the
comparison sees exactly the bytes a writer left behind.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from os import PathLike
from xml.etree import ElementTree as ET

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT_TYPES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",  # Strict
)
_M = f"{{{MAIN_NS}}}"

StrPath = str | PathLike[str]
Cell = tuple[str | None, str | None, str | None, str | None]

_SHEETDATA = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b[^>]*?/>"
    rb"|<((?:[A-Za-z_][\w.-]*:)?sheetData)\b[^>]*>.*?</\1\s*>",
    re.S,
)
_DIMENSION = re.compile(rb'(<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref=")[^"]*(")')


def part_bytes(path: StrPath) -> dict[str, bytes]:
    """Every member of the zip package at `path`, name → decompressed bytes."""
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def changed_parts(a: StrPath, b: StrPath) -> set[str]:
    """Names of the parts added, removed, or with different decompressed bytes between `a` and `b`."""
    pa, pb = part_bytes(a), part_bytes(b)
    return {name for name in pa.keys() | pb.keys() if pa.get(name) != pb.get(name)}


def _resolve(source_part: str, target: str) -> str:
    """A relationship target, relative to `source_part`'s folder or absolute, as a zip member name."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def _rels_of(part: str) -> str:
    """The relationships part of `part` (xl/workbook.xml → xl/_rels/workbook.xml.rels)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationships(z: zipfile.ZipFile, rels_part: str) -> list[ET.Element]:
    """The `<Relationship>` elements of a .rels part (empty if the part is missing)."""
    if rels_part not in z.namelist():
        return []
    return ET.fromstring(z.read(rels_part)).findall(f"{{{PKG_REL_NS}}}Relationship")


def sheet_part(path: StrPath, sheet_name: str) -> str:
    """The zip part name of the worksheet called `sheet_name` (e.g. "xl/worksheets/sheet1.xml").

    Follows _rels/.rels to the workbook part, then the workbook's `<sheet r:id>` through its rels;
    relative and absolute relationship targets are both understood. Raises KeyError if absent.
    """
    with zipfile.ZipFile(path) as z:
        workbook = "xl/workbook.xml"
        for rel in _relationships(z, "_rels/.rels"):
            if rel.get("Type") in OFFICE_DOCUMENT_TYPES:
                workbook = _resolve("", rel.get("Target", ""))
                break
        root = ET.fromstring(z.read(workbook))
        rid = None
        for sheet in root.iter():
            if sheet.tag.rsplit("}", 1)[-1] == "sheet" and sheet.get("name") == sheet_name:
                rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
                break
        if rid is None:
            raise KeyError(f"no sheet named {sheet_name!r} in {workbook}")
        for rel in _relationships(z, _rels_of(workbook)):
            if rel.get("Id") == rid:
                return _resolve(workbook, rel.get("Target", ""))
        raise KeyError(f"relationship {rid!r} of sheet {sheet_name!r} not found")


def cells(xml_bytes: bytes) -> dict[str, Cell]:
    """Every `<c>` in the sheet's sheetData: ref → (t, s, formula text, value).

    The value is the raw `<v>` text (a shared-string index for t="s"), or for t="inlineStr" the
    concatenated `<t>` texts of `<is>`. A formula element without text (a shared-formula child)
    gives "" rather than None; absent elements and attributes give None.
    """
    root = ET.fromstring(xml_bytes)
    data = root.find(f"{_M}sheetData")
    out: dict[str, Cell] = {}
    if data is None:
        return out
    for c in data.iter(f"{_M}c"):
        f = c.find(f"{_M}f")
        formula = None if f is None else (f.text or "")
        t = c.get("t")
        if t == "inlineStr":
            inline = c.find(f"{_M}is")
            value = None if inline is None else "".join(x.text or "" for x in inline.iter(f"{_M}t"))
        else:
            v = c.find(f"{_M}v")
            value = None if v is None else (v.text or "")
        out[c.get("r", "")] = (t, c.get("s"), formula, value)
    return out


def outside_sheetdata(xml_bytes: bytes, *, ignore_dimension: bool = True) -> bytes:
    """The sheet XML with its `<sheetData>` element (and all it holds) cut out.

    Compare the results of two sheets to check that everything but the cells - cols, mergeCells,
    dataValidations, conditionalFormatting, extLst... - is byte-identical. With `ignore_dimension`
    the `<dimension ref="...">` value is blanked too, since adding rows legitimately changes it.
    """
    out, n = _SHEETDATA.subn(b"", xml_bytes, count=1)
    if n != 1:
        raise ValueError("no <sheetData> element in the sheet XML")
    if ignore_dimension:
        out = _DIMENSION.sub(rb"\1\2", out, count=1)
    return out


def cell_diff(a_xml: bytes, b_xml: bytes) -> dict[str, tuple[Cell | None, Cell | None]]:
    """Cells that differ between two sheet XMLs: ref → (old, new); None where a side lacks the cell."""
    ca, cb = cells(a_xml), cells(b_xml)
    refs = sorted(ca.keys() | cb.keys(), key=_ref_key)
    return {ref: (ca.get(ref), cb.get(ref)) for ref in refs if ca.get(ref) != cb.get(ref)}


def _ref_key(ref: str) -> tuple[int, int, str]:
    """Sort key putting cell refs in sheet order: row, then column (A < Z < AA)."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", ref)
    if m is None:
        return (0, 0, ref)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col, ref)
