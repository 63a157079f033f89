"""The command reference in docs/cli-reference.md is generated from --help and must not drift:
`pytest tests/test_docs.py --update-golden` regenerates it."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli-reference.md"


def commands() -> list[list[str]]:
    """Every command path of the app, groups before their commands, in registration order."""
    import typer

    from propcli.cli.app import app

    out: list[list[str]] = []

    def walk(cmd, path: list[str]) -> None:  # type: ignore[no-untyped-def]
        out.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return out


def reference(cli) -> str:  # type: ignore[no-untyped-def]
    parts = ["# propcli command reference\n\nGenerated from `--help` by `pytest tests/test_docs.py --update-golden`; "
             "a test fails when it drifts from the code.\n"]
    for cmd in commands():
        result = cli(*cmd, "--help")
        assert result.exit_code == 0, cmd
        parts.append(f"\n## propcli {' '.join(cmd)}\n\n```\n{result.stdout.rstrip()}\n```\n")
    return "".join(parts)


def test_cli_reference_is_current(cli, request) -> None:  # type: ignore[no-untyped-def]
    text = reference(cli)
    if request.config.getoption("--update-golden"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, "docs/cli-reference.md is stale: pytest --update-golden"
