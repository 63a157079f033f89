"""`propcli init PATH`: a new estate workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import DataError
from .common import say, state


def init(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="the new workbook, e.g. estate.xlsx")],
    name: Annotated[str, typer.Option("--name", help="小区名称")] = "",
    company: Annotated[str, typer.Option("--company", help="物业公司")] = "",
    phone: Annotated[str, typer.Option("--phone", help="服务电话")] = "",
    address: Annotated[str, typer.Option("--address", help="地址")] = "",
) -> None:
    st = state(ctx)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    from ..store.template import create_workbook  # openpyxl: loaded only by the command that needs it

    try:
        create_workbook(path, name=name or path.stem, company=company, phone=phone, address=address)
    except FileExistsError:
        raise DataError("init.exists", None, path=str(path)) from None
    say(st, st.t("out.created", path=str(path)))
