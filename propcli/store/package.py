"""The xlsx package (a zip of XML parts), read and rewritten part by part.

A write replaces only the parts it means to change. Every other part is copied as its raw compressed
bytes, so the clerk's charts, data bars, sparklines, shapes, comments, formulas and their cached values
survive byte for byte, and a write costs time in proportion to the sheets it edits, not the workbook.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import Future, ThreadPoolExecutor

try:  # ISA-L's deflate: inflates 2× and deflates (level 1) 4× as fast as zlib, the same streams either way
    from isal import isal_zlib as codec
    CODEC_ERRORS: tuple[type[Exception], ...] = (zlib.error, codec.error)
except ImportError:  # a platform without its wheel
    codec = zlib  # type: ignore[no-redef]
    CODEC_ERRORS = (zlib.error,)

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = NS_REL + "/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


class PackageError(Exception):
    """The file is not a readable xlsx package."""


class EncryptedPackage(PackageError):
    """A password-protected workbook: Office keeps it as an OLE compound file holding the encrypted zip."""


class LegacyPackage(PackageError):
    """An OLE compound file that is not encrypted: a binary .xls (Excel 97–2003) under another name."""


class StrictPackage(PackageError):
    """An ISO/IEC 29500 Strict workbook (Excel's "Strict Open XML Spreadsheet"): other namespaces."""


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"


def _not_a_zip(path: Path) -> PackageError | None:
    """What a file that is no zip is, when it is something we can name."""
    try:
        with open(path, "rb") as f:
            if f.read(8) != OLE_MAGIC:
                return None
            f.seek(0)
            data = f.read(64 << 20)
    except OSError:
        return None
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return EncryptedPackage("password-protected")
    return LegacyPackage("binary .xls")


@dataclass(frozen=True)
class SheetRef:
    name: str
    sheet_id: int
    rel_id: str
    part: str  # zip member name, e.g. "xl/worksheets/sheet1.xml"


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


# Built-in number formats that show dates, including the zh-CN ones (27–36, 50–58).
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _is_date_code(code: str) -> bool:
    bare = _QUOTED.sub("", code).lower()
    return any(ch in bare for ch in "ymdh") and "general" not in bare


# A member bigger than this is inflated when it is read, not ahead: held beside the one being scanned, two
# registers of an L estate (442 MB and 129 MB of XML) would take the memory a command may use.
PREFETCH_LIMIT = 160 << 20


class Package:
    """An open xlsx file: its members, its sheets in order, and the date styles of its cells."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise (_not_a_zip(path) or PackageError(str(exc))) from exc
        self.infos = {info.filename: info for info in self._zip.infolist()}
        self._parts: dict[str, bytes] = {}
        self._ahead: dict[str, Future[bytes]] = {}  # the member being inflated on the second thread
        self._queue: list[str] = []  # the members to inflate after it, in order
        self._pool: ThreadPoolExecutor | None = None
        self._opened_by = os.getpid()  # the process whose thread inflates ahead (`_forked`)
        if "xl/workbook.xml" not in self.infos:
            raise PackageError("no xl/workbook.xml part")
        self.shared_strings_part = ""
        self.styles_part = ""
        self.sheets = self._read_sheets()
        self._date_styles: set[int] | None = None

    def _forked(self) -> None:
        """In a child forked since the package was opened (`twocore`): the inflating thread is not there —
        its queue is this process's to inflate, a member it had begun is inflated again here. Asked by every
        read and prefetch, so that no caller that forks has to remember it."""
        if os.getpid() != self._opened_by:
            self._opened_by = os.getpid()
            self._pool = None
            self._ahead.clear()
            self._queue.clear()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._ahead.clear()
        self._queue.clear()
        self._zip.close()

    def read(self, name: str) -> bytes:
        """A member's bytes, inflated once: a write edits the very bytes its read scanned."""
        data = self._parts.get(name)
        if data is None:
            self._forked()
            try:
                ahead = self._ahead.pop(name, None)
                if name in self._queue:
                    self._queue.remove(name)
                self._advance()
                if ahead is not None:
                    data = ahead.result()
                elif self.infos[name].compress_type == zipfile.ZIP_DEFLATED:
                    data = self._inflate(name, self.raw(name))
                elif self.infos[name].compress_type == zipfile.ZIP_STORED:
                    data = self.raw(name)
                    if codec.crc32(data) != self.infos[name].CRC:
                        raise zipfile.BadZipFile(f"bad CRC-32 for {name}")
                else:
                    data = self._zip.read(name)
                self._parts[name] = data
            except (KeyError, zipfile.BadZipFile, *CODEC_ERRORS, OSError, struct.error) as exc:
                raise PackageError(f"part {name}: {exc}") from exc
        return data

    def _inflate(self, name: str, raw: bytes) -> bytes:
        """One call into zlib, the CRC checked after (both let go of the GIL on big buffers)."""
        info = self.infos[name]
        data = codec.decompress(raw, -15, max(info.file_size, 1))
        if codec.crc32(data) != info.CRC or len(data) != info.file_size:
            raise zipfile.BadZipFile(f"bad CRC-32 for {name}")
        return data

    def prefetch(self, names: list[str]) -> None:
        """Inflate these deflated members, in this order, on a second thread while the caller scans the
        ones before them: a cold read of several registers uses both cores. `read` takes each when it
        comes to it (and meets any error there). Positional reads (`os.pread`) leave the zip's own file
        position alone."""
        todo = [n for n in dict.fromkeys(names) if n in self.infos and n not in self._parts and n not in self._ahead
                and n not in self._queue and self.infos[n].compress_type == zipfile.ZIP_DEFLATED
                and self.infos[n].file_size <= PREFETCH_LIMIT]
        if not todo or not hasattr(os, "pread"):
            return
        self._forked()
        self._queue.extend(todo)
        self._advance()

    def _advance(self) -> None:
        """Start inflating the next queued member once the one ahead has been taken: one member ahead at
        most, so that L's 442 MB 应收账单 and 230 MB 应收账单2 are not both held while the first is scanned."""
        if self._ahead or not self._queue:
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="propcli-inflate")
        name = self._queue.pop(0)
        self._ahead[name] = self._pool.submit(lambda: self._inflate(name, self.raw(name)))

    def streamable(self, name: str, least: int | None = None) -> bool:
        """A deflated member too big to inflate ahead (and so to hold beside another): read it in pieces.
        `least`: the size above which a member is (a reader that holds nothing whole asks for any)."""
        info = self.infos.get(name)
        return (info is not None and info.compress_type == zipfile.ZIP_DEFLATED
                and info.file_size > (PREFETCH_LIMIT if least is None else least)
                and name not in self._parts and hasattr(os, "pread"))

    def stream(self, name: str, piece: int = 2 << 20) -> Iterator[bytes]:
        """A deflated member inflated a piece at a time (`piece` stored bytes each), never held whole; its
        size and CRC-32 checked at the end (PackageError, as `read` would say)."""
        info = self.infos[name]
        fd = self._zip.fp.fileno()  # type: ignore[union-attr]
        try:
            pos = self._data_offset(fd, name)
            left, crc, size = info.compress_size, 0, 0
            inflate = codec.decompressobj(-15)
            while left:
                raw = os.pread(fd, min(piece, left), pos)
                if not raw:
                    raise zipfile.BadZipFile(f"{name} is cut short")
                pos += len(raw)
                left -= len(raw)
                data = inflate.decompress(raw)
                crc, size = codec.crc32(data, crc), size + len(data)
                if data:
                    yield data
            data = inflate.flush()
            crc, size = codec.crc32(data, crc), size + len(data)
            if data:
                yield data
            if crc != info.CRC or size != info.file_size or not inflate.eof:
                raise zipfile.BadZipFile(f"bad CRC-32 for {name}")
        except (zipfile.BadZipFile, *CODEC_ERRORS, OSError, struct.error) as exc:
            raise PackageError(f"part {name}: {exc}") from exc

    def forget_inflated(self) -> None:
        """Let go of every part inflated so far (a write that has rendered what it changes)."""
        self._parts.clear()

    def forget(self, name: str) -> None:
        self._parts.pop(name, None)

    def raw(self, name: str) -> bytes:
        """A member's bytes as stored in the zip (compressed), without inflating them: read at their offset
        (`os.pread`), so that neither the inflating thread nor a child forked to read (`twocore`), which
        shares this file's position, moves it under another read."""
        info = self.infos[name]
        if not hasattr(os, "pread"):
            return self._at_data(name).read(info.compress_size)
        fd = self._zip.fp.fileno()  # type: ignore[union-attr]
        start = self._data_offset(fd, name)
        chunks, got = [], 0
        while got < info.compress_size:  # pread may return less than asked on some systems
            chunk = os.pread(fd, info.compress_size - got, start + got)
            if not chunk:
                raise zipfile.BadZipFile(f"{name} is cut short")
            chunks.append(chunk)
            got += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _data_offset(self, fd: int, name: str) -> int:
        """Where a member's stored bytes begin: after its local header, read at its offset."""
        info = self.infos[name]
        header = os.pread(fd, 30, info.header_offset)
        if header[:4] != b"PK\x03\x04":
            raise PackageError(f"part {name}: bad local header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return info.header_offset + 30 + name_len + extra_len

    def _at_data(self, name: str):  # type: ignore[no-untyped-def]
        """The zip file, positioned at the first byte of a member's stored data."""
        info = self.infos[name]
        src = self._zip.fp
        assert src is not None
        src.seek(info.header_offset)
        header = src.read(30)
        if header[:4] != b"PK\x03\x04":
            raise PackageError(f"part {name}: bad local header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        src.seek(info.header_offset + 30 + name_len + extra_len)
        return src

    def digest(self, name: str) -> bytes:
        """SHA-256 of a member's stored bytes and of how to read them (method, CRC, size)."""
        info = self.infos[name]
        h = hashlib.sha256(struct.pack("<HIQQ", info.compress_type, info.CRC, info.compress_size, info.file_size))
        h.update(self.raw(name))
        return h.digest()

    def _read_sheets(self) -> list[SheetRef]:
        try:
            rels_root = ET.fromstring(self.read("xl/_rels/workbook.xml.rels"))
            wb_root = ET.fromstring(self.read("xl/workbook.xml"))
        except ET.ParseError as exc:
            raise PackageError(f"workbook.xml: {exc}") from exc
        if wb_root.tag.startswith("{" + NS_STRICT_MAIN + "}"):
            raise StrictPackage("strict")
        targets = {
            rel.get("Id"): _resolve("xl", rel.get("Target", ""))
            for rel in rels_root
            if rel.get("Type", "").endswith("/worksheet")
        }
        for rel in rels_root:
            kind = rel.get("Type", "")
            if kind.endswith("/sharedStrings"):
                self.shared_strings_part = _resolve("xl", rel.get("Target", ""))
            elif kind.endswith("/styles"):
                self.styles_part = _resolve("xl", rel.get("Target", ""))
        self.date1904 = any(el.get("date1904") in ("1", "true") for el in wb_root.iter(f"{{{NS_MAIN}}}workbookPr"))
        sheets = []
        for el in wb_root.iter(f"{{{NS_MAIN}}}sheet"):
            rid = el.get(f"{{{NS_REL}}}id", "")
            if rid in targets:
                sheets.append(SheetRef(el.get("name", ""), int(el.get("sheetId", "0")), rid, targets[rid]))
        return sheets

    def sheet(self, name: str) -> SheetRef | None:
        return next((s for s in self.sheets if s.name == name), None)

    def date_styles(self) -> set[int]:
        """Indexes into cellXfs whose number format shows a date."""
        if self._date_styles is None:
            self._date_styles = set()
            part = self.styles_part if self.styles_part in self.infos else "xl/styles.xml"
            if part in self.infos:
                root = ET.fromstring(self.read(part))
                custom = {
                    int(f.get("numFmtId", "0")): f.get("formatCode", "")
                    for f in root.iter(f"{{{NS_MAIN}}}numFmt")
                }
                xfs = root.find(f"{{{NS_MAIN}}}cellXfs")
                for i, xf in enumerate(xfs if xfs is not None else []):
                    fid = int(xf.get("numFmtId", "0"))
                    if fid in custom:
                        if _is_date_code(custom[fid]):
                            self._date_styles.add(i)
                    elif fid in _BUILTIN_DATE_FORMATS:
                        self._date_styles.add(i)
        return self._date_styles

    # -- writing -------------------------------------------------------------------------------

    def write(self, out: BinaryIO, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> str:
        """Write the package to `out` with some parts replaced or added; return the sha256 of what was written.

        Unchanged members are copied as raw compressed bytes with their original headers' metadata.
        """
        add = add or {}
        writer = _ZipWriter(out)
        for name, info in self.infos.items():
            if name in replace:
                writer.add(name, replace[name], info.date_time, info.external_attr)
            else:
                writer.copy_raw(info, self._at_data(name))
        for name, data in add.items():
            writer.add(name, data, (2024, 1, 1, 0, 0, 0), 0o600 << 16)
        return writer.finish()


class _ZipWriter:
    """A minimal zip writer that can copy a member's compressed bytes without inflating them."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offset = 0
        self.central: list[bytes] = []
        self.digest = hashlib.sha256()

    def _emit(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)
        self.offset += len(data)

    def _entry(self, name: str, method: int, date_time: tuple, crc: int, csize: int, usize: int,
               external_attr: int) -> None:
        if max(csize, usize, self.offset) >= 0xFFFFFFFF:
            raise PackageError(f"part {name} is too large for this writer (zip64)")
        raw_name = name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0
        year, month, day, hour, minute, second = date_time
        dos_time = (hour << 11) | (minute << 5) | (second // 2)
        dos_date = (max(year, 1980) - 1980) << 9 | month << 5 | day
        local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, dos_time, dos_date,
                            crc, csize, usize, len(raw_name), 0)
        self.central.append(
            struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, dos_time, dos_date,
                        crc, csize, usize, len(raw_name), 0, 0, 0, 0, external_attr, self.offset)
            + raw_name
        )
        self._emit(local + raw_name)

    def add(self, name: str, data: bytes | list, date_time: tuple, external_attr: int) -> None:
        """A new member from its bytes, or from the pieces they are joined from (`SheetXml.to_pieces`)."""
        pieces = data if isinstance(data, list) else [data]
        packed = deflated(pieces)
        crc = 0
        for piece in pieces:
            crc = codec.crc32(piece, crc)
        self._entry(name, zipfile.ZIP_DEFLATED, date_time, crc, sum(map(len, packed)), sum(map(len, pieces)),
                    external_attr)
        for chunk in packed:
            self._emit(chunk)

    def copy_raw(self, info: zipfile.ZipInfo, src: BinaryIO) -> None:
        self._entry(info.filename, info.compress_type, info.date_time, info.CRC, info.compress_size,
                    info.file_size, info.external_attr)
        remaining = info.compress_size
        while remaining:
            chunk = src.read(min(remaining, 1 << 20))
            if not chunk:
                raise PackageError(f"part {info.filename} is truncated")
            self._emit(chunk)
            remaining -= len(chunk)

    def finish(self) -> str:
        start = self.offset
        directory = b"".join(self.central)
        self._emit(directory)
        self._emit(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(self.central), len(self.central),
                               len(directory), start, 0))
        return self.digest.hexdigest()


# A big part (a register of 100,000s of rows is 100 MB of XML) is compressed fast, in independent chunks
# on every core: zlib releases the GIL. Each chunk but the last ends with a sync flush, which ends on a
# byte boundary without ending the stream, so the chunks joined are one valid deflate stream (as pigz
# does). Level 1 (ISA-L's: 0.1 s for M's 98 MB 应收账单, zlib's took 0.4) costs a quarter more bytes than
# Excel's level; small parts keep zlib's 6.
BIG_PART = 4 << 20
CHUNK = 4 << 20


def _deflate_chunk(args: tuple[memoryview, int, bool]) -> bytes:
    chunk, level, last = args
    c = (codec if level <= 3 else zlib).compressobj(level, zlib.DEFLATED, -15)  # ISA-L has levels 0–3
    return c.compress(chunk) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def deflated(data: bytes | list) -> list[bytes]:
    """Raw deflate of bytes, or of the pieces they are joined from (the same stream either way), as the
    pieces of the stream: a writer emits them one after another, and L's 60 MB of compressed 应收账单 are
    not copied once more to be joined."""
    pieces = data if isinstance(data, list) else [data]
    size = sum(map(len, pieces))
    if size < BIG_PART:
        return [_deflate_chunk((memoryview(b"".join(pieces) if len(pieces) > 1 else pieces[0]), 6, True))]
    from concurrent.futures import ThreadPoolExecutor

    chunks = list(_chunks(pieces, CHUNK))
    jobs = [(chunk, 1, i == len(chunks) - 1) for i, chunk in enumerate(chunks)]
    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
        return list(pool.map(_deflate_chunk, jobs))


def _chunks(pieces: list, size: int):  # type: ignore[no-untyped-def]
    """The bytes of `pieces`, one after another, cut every `size` bytes: views where a chunk lies in
    one piece, a join (of at most `size` bytes) where it spans several."""
    parts: list = []
    held = 0
    for piece in pieces:
        view = memoryview(piece)
        while len(view):
            take = view[:size - held]
            parts.append(take)
            held += len(take)
            view = view[len(take):]
            if held == size:
                yield parts[0] if len(parts) == 1 else memoryview(b"".join(parts))
                parts, held = [], 0
    if parts:
        yield parts[0] if len(parts) == 1 else memoryview(b"".join(parts))


def add_sheet_parts(pkg: Package, name: str, sheet_xml: bytes, replace: dict[str, bytes],
                    add: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The parts to replace and add so that the workbook gains a new last sheet `name`.

    `replace` and `add` are the edits made so far in this write, so that several sheets can be added.
    """
    def current(part: str) -> str:
        return (replace.get(part) or pkg.read(part)).decode("utf-8")

    used = set(pkg.infos) | set(add)
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in used:
        n += 1
    part = f"xl/worksheets/sheet{n}.xml"
    rels = current("xl/_rels/workbook.xml.rels")
    rel_ids = set(re.findall(r'Id="([^"]+)"', rels))
    k = len(rel_ids) + 1
    while f"rId{k}" in rel_ids:
        k += 1
    rid = f"rId{k}"
    rel = f'<Relationship Id="{rid}" Type="{WORKSHEET_TYPE}" Target="worksheets/sheet{n}.xml"/>'
    rels = _insert_before_last(rels, "</Relationships>", rel)

    wb = current("xl/workbook.xml")
    sheet_id = max([0, *(int(x) for x in re.findall(r'sheetId="(\d+)"', wb))]) + 1
    prefix = _rel_prefix(wb)
    main_prefix = _element_prefix(wb, "sheets")
    # openpyxl with lxml declares the relationships prefix on each <sheet>, not on <workbook>: then so must ours
    own = "" if f"xmlns:{prefix}=" in wb[:wb.find(f"<{main_prefix}sheets")] else f' xmlns:{prefix}="{NS_REL}"'
    el = f'<{main_prefix}sheet name="{_xml_attr(name)}" sheetId="{sheet_id}"{own} {prefix}:id="{rid}"/>'
    wb = _insert_before_last(wb, f"</{main_prefix}sheets>", el)

    ct = current("[Content_Types].xml")
    ct = _insert_before_last(ct, "</Types>", f'<Override PartName="/{part}" ContentType="{WORKSHEET_CT}"/>')
    new_replace = {
        "xl/_rels/workbook.xml.rels": rels.encode("utf-8"),
        "xl/workbook.xml": wb.encode("utf-8"),
        "[Content_Types].xml": ct.encode("utf-8"),
    }
    return new_replace, {part: sheet_xml}


def _insert_before_last(text: str, closing: str, fragment: str) -> str:
    i = text.rfind(closing)
    if i < 0:
        raise PackageError(f"cannot find {closing}")
    return text[:i] + fragment + text[i:]


def _rel_prefix(workbook_xml: str) -> str:
    m = re.search(r'xmlns:(\w+)="' + re.escape(NS_REL) + '"', workbook_xml)
    if not m:
        raise PackageError("workbook.xml declares no relationships namespace")
    return m.group(1)


def _element_prefix(xml: str, local: str) -> str:
    m = re.search(r"<(\w+:)?" + local + r"\b", xml)
    return (m.group(1) or "") if m else ""


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
