"""Literal searches of sheet XML at memory speed: memchr's SIMD memmem (through ahocorasick-rs), a piece
at a time where the first match ends the search. Python's own `bytes.find` of a multi-byte needle runs at
about a quarter of that speed on XML, where the needle's last byte (`>`, `"`) is everywhere."""

from __future__ import annotations

try:
    from ahocorasick_rs import BytesAhoCorasick
except ImportError:  # a platform without its wheel: bytes.find gives the same answers, 3–4× slower
    BytesAhoCorasick = None

CHUNK = 4 << 20  # bytes searched at a time by `find` and `contains`: the first match ends the search
NEAR = 1 << 16  # bytes searched by bytes.find first: no automaton built for a match close by


def positions(data: bytes, needle: bytes, start: int = 0, end: int | None = None) -> list[int]:
    """Where `needle` starts in data[start:end], in order (matches do not overlap)."""
    end = len(data) if end is None else end
    if BytesAhoCorasick is not None:
        found = BytesAhoCorasick([needle]).find_matches_as_indexes(memoryview(data)[start:end])
        return [start + m[1] for m in found]
    out = []
    i = data.find(needle, start, end)
    while i >= 0:
        out.append(i)
        i = data.find(needle, i + len(needle), end)
    return out


def find(data: bytes, needle: bytes, start: int = 0, end: int | None = None) -> int:
    """`data.find(needle, start, end)`: the first match, looked for near `start` first (a row after the
    one before it), then a piece at a time."""
    end = len(data) if end is None else end
    near = min(end, start + NEAR)
    found = data.find(needle, start, near)
    if found >= 0 or near >= end:
        return found
    start = max(start, near - len(needle) + 1)
    if BytesAhoCorasick is None or end - start <= CHUNK:
        return data.find(needle, start, end)
    search = BytesAhoCorasick([needle]).find_matches_as_indexes
    view = memoryview(data)
    for at in range(start, end, CHUNK):
        found = search(view[at:min(end, at + CHUNK + len(needle) - 1)])
        if found:
            return at + found[0][1]
    return -1


def contains(data: bytes, needle: bytes, start: int = 0, end: int | None = None) -> bool:
    """`needle in data[start:end]`."""
    return find(data, needle, start, end) >= 0
