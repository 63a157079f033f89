"""The message catalogue against the code: every key the code uses is defined, every key defined is used,
each in both languages with the same placeholders, and each in one area only.

"Used" means the key is a string literal somewhere in propcli/ (read with `ast`, so comments do not count);
a `.hint` key is used when its base key is. Keys the code builds at run time are declared in DYNAMIC below,
with every value they take, so that a new f-string key fails here until it is declared."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from propcli import i18n
from propcli.i18n import MESSAGES

PACKAGE = Path(i18n.__file__).parent
CATALOGUE = PACKAGE / "messages"
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
# literals shaped like keys that are not messages: file names and module paths
NOT_A_KEY = re.compile(r"\.(py|j2|jsonl|json|xml|html|csv|xlsx)$|^propcli\.")
PREFIX = re.compile(r"^[a-z_]+(\.[a-z0-9_]*)+$")  # the literal head of an f-string key: `out.skip_`


def _skip_reasons() -> set[str]:
    """The reasons billing gives for a skipped line: the third argument of every `Skip(...)` it builds."""
    tree = ast.parse((PACKAGE / "domain" / "billing.py").read_text(encoding="utf-8"))
    return {node.args[2].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Skip"
            and len(node.args) > 2 and isinstance(node.args[2], ast.Constant)}


# f-string key families: the literal head → the values that follow it
DYNAMIC: dict[str, set[str]] = {
    "out.skip_": _skip_reasons(),  # cli/billing.py: st.t(f"out.skip_{reason}", ...)
    "service.unknown.": {"workorders", "complaints"},  # ops/service.py find: f"service.unknown.{reg.check}"
}


# keys built from a sheet's key: ops/policy.py init_policy says f"{spec.key}.exists" for each policy sheet
POLICY_SHEET_KEYS = {"dunning.exists", "deadlines.exists"}


def _sources() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if CATALOGUE not in p.parents and p.name != "i18n.py"]


def _scan() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Key literals and f-string key heads in propcli/, each with where it is."""
    keys: dict[str, list[str]] = {}
    heads: dict[str, list[str]] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fstrings = set()
        for node in ast.walk(tree):  # a report's own key (`Report("arrears.report", …)`) names a report, not a message
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Report" and node.args:
                in_fstrings.add(id(node.args[0]))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                in_fstrings.update(id(v) for v in node.values)
                head = node.values[0] if node.values else None
                if (isinstance(head, ast.Constant) and isinstance(head.value, str) and len(node.values) > 1
                        and PREFIX.match(head.value) and not NOT_A_KEY.search(head.value)):
                    heads.setdefault(head.value, []).append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstrings
                    and KEY.match(node.value) and not NOT_A_KEY.search(node.value)):
                keys.setdefault(node.value, []).append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return keys, heads


def _used() -> set[str]:
    keys, _ = _scan()
    return set(keys) | POLICY_SHEET_KEYS | {head + value for head, values in DYNAMIC.items() for value in values}


def test_every_key_used_is_defined() -> None:
    keys, _ = _scan()
    missing = {k: where for k, where in keys.items() if k not in MESSAGES}
    assert not missing, f"message keys used but not defined in propcli/messages/: {missing}"


def test_every_key_defined_is_used() -> None:
    used = _used()
    dead = [k for k in MESSAGES if k not in used and not (k.endswith(".hint") and k[: -len(".hint")] in used)]
    assert not dead, f"message keys defined but never used in propcli/: {dead}"


def test_dynamic_key_families_are_declared_and_complete() -> None:
    _, heads = _scan()
    assert set(heads) == set(DYNAMIC), f"f-string message keys: declare them in DYNAMIC: {heads}"
    for head, values in DYNAMIC.items():
        assert values, head
        defined = {k[len(head):] for k in MESSAGES if k.startswith(head) and not k.endswith(".hint")}
        assert defined == values, f"{head}*: defined {sorted(defined)}, the code gives {sorted(values)}"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_both_languages_with_the_same_placeholders(key: str) -> None:
    pair = MESSAGES[key]
    assert isinstance(pair, tuple) and len(pair) == 2, key
    zh, en = pair
    assert isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip(), key
    assert _fields(zh) == _fields(en), f"{key}: zh has {_fields(zh)}, en has {_fields(en)}"


def test_no_key_written_twice_in_an_area() -> None:
    """A dict literal keeps the last of two equal keys without a word: the split found two such."""
    for path in sorted(CATALOGUE.glob("*.py")):
        seen: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for k in node.keys:
                    if isinstance(k, ast.Constant):
                        assert k.value not in seen, f"{path.name}: {k.value} is written twice"
                        seen.add(k.value)


def test_an_area_cannot_redefine_another_areas_key() -> None:
    with pytest.raises(ImportError, match="owner.unknown"):
        i18n._merge({"a": {"owner.unknown": ("甲", "a")}, "b": {"owner.unknown": ("乙", "b")}})
    assert sum(len(m) for m in i18n.AREAS.values()) == len(MESSAGES)


def test_a_list_is_written_in_the_messages_language() -> None:
    units = ["1-1-101", "2-1-101"]
    assert i18n.tr("owner.ambiguous", "zh", unit="101", units=units) == "房号 101 可能是 1-1-101、2-1-101 中的任一户"
    assert i18n.tr("owner.ambiguous", "en", unit="101", units=units) == "unit 101 could be any of 1-1-101, 2-1-101"
    assert i18n.tr("owner.ambiguous", "en", unit="101", units="1-1-101") == "unit 101 could be any of 1-1-101"
