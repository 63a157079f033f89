"""Messages in Chinese (default) and English. Keys are stable; `.hint` keys hold the fix.

The catalogue is kept by area in `propcli.messages` (store, values, owners, meters, billing, payments,
arrears, check, output, service, notices, charts, stats, monthend); this module merges it, refusing a key that two areas
both define."""

from __future__ import annotations

import os

from .messages import (arrears, billing, charts, check, db, group, meters, monthend, notices, output, owners, payments,
                       service, stats, store, values)

LANGS = ("zh", "en")

AREAS = {m.__name__.rsplit(".", 1)[1]: m.MESSAGES for m in
         (store, values, owners, meters, billing, payments, arrears, check, output, service, notices, charts,
          stats, monthend, db, group)}


def _merge(areas: dict[str, dict[str, tuple[str, str]]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    where: dict[str, str] = {}
    for area, messages in areas.items():
        for key, pair in messages.items():
            if key in merged:
                raise ImportError(f"message key {key!r} is defined in both messages.{where[key]} and messages.{area}")
            merged[key], where[key] = pair, area
    return merged


MESSAGES: dict[str, tuple[str, str]] = _merge(AREAS)


def default_lang() -> str:
    lang = os.environ.get("PROPCLI_LANG", "zh")
    return lang if lang in LANGS else "zh"


def tr(key: str, lang: str, default: str | None = None, **params: object) -> str:
    """The message for `key` in `lang`, with `{params}` filled in; `default` when the key is unknown.

    A list or tuple is written out in the message's language: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    pair = MESSAGES.get(key)
    if pair is None:
        if default is not None:
            return default
        return key
    text = pair[1] if lang == "en" else pair[0]
    sep = ", " if lang == "en" else "、"
    params = {k: sep.join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
