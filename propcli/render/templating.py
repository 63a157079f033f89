"""The Jinja environment: the clerk's own template folder first, the shipped `templates/` as fallback.

Templates are strict (an undefined variable is an error, never an empty hole in a notice) and HTML is
autoescaped, so an owner named `<script>` prints as text.
"""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

SHIPPED = Path(__file__).resolve().parents[2] / "templates"


def template_dirs(user_dir: Path | None = None) -> list[Path]:
    dirs = []
    for d in (user_dir, os.environ.get("PROPCLI_TEMPLATES")):
        if d:
            dirs.append(Path(d))
    dirs.append(SHIPPED)
    return dirs


def environment(user_dir: Path | None = None) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs(user_dir)]),
        autoescape=select_autoescape(["html", "htm", "j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    from .cells import text

    env.filters["cell"] = text
    return env


def render(name: str, context: dict, user_dir: Path | None = None) -> str:
    return environment(user_dir).get_template(name).render(**context)
