"""What commands say when they succeed: files written, saves, dry runs, the internal-error line."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "out.written": ("已写入 {path}", "wrote {path}"),
    "out.saved": ("已保存 {count} 处修改到 {path}（原文件备份：{backup}）", "saved {count} change(s) to {path} (previous version: {backup})"),
    "out.dry_run": ("试运行：以上 {count} 处修改未写入", "dry run: the {count} change(s) above were not written"),
    "out.nothing": ("没有需要修改的内容", "nothing to change"),
    "out.problems": ("发现 {count} 个问题", "{count} problem(s) found"),
    "out.fixed": ("已修正 {count} 处", "fixed {count} cell(s)"),
    "out.created": ("已创建 {path}", "created {path}"),
    "out.undone": ("已撤销：{command}（{time}）", "undone: {command} ({time})"),
    "out.would_undo": ("将撤销：{command}（{time}）", "would undo: {command} ({time})"),
    "out.imported": ("从 {source}「{sheet}」导入 {taken} 户，{rejected} 行未导入，{warnings} 条提醒", "imported {taken} unit(s) from {source} '{sheet}'; {rejected} row(s) not taken; {warnings} warning(s)"),
    "out.no_matches": ("没有找到 {text}", "no match for {text}"),
    "os.failed": ("无法读写 {path}（{reason}）", "cannot read or write {path} ({reason})"),
    "os.failed.hint": ("检查该文件或文件夹是否存在、是否有权限、磁盘是否已满", "check that the file or folder exists, its permissions, and the free disk space"),
    "out.internal": ("内部错误：{error}（加 --debug 查看详情）", "internal error: {error} (add --debug for details)"),
    # the one output path (-o FILE, --format) and the templates
    "output.format": ("没有 {asked} 格式的输出", "no output format {asked}"),
    "output.format.hint": ("可用：{allowed}", "use one of: {allowed}"),
    "output.binary_tty": ("xlsx 只能写入文件", "xlsx goes to a file"),
    "output.binary_tty.hint": ("加 -o FILE.xlsx", "add -o FILE.xlsx"),
    "output.is_dir": ("{path} 是文件夹，不是文件", "{path} is a folder, not a file"),
    "output.is_dir.hint": ("在 -o 后写文件名，例如 {path}/报表.xlsx", "name a file after -o, e.g. {path}/report.xlsx"),
    "output.is_workbook": ("{path} 就是工作簿本身，不能用输出覆盖它", "{path} is the workbook itself; an output would overwrite it"),
    "output.is_workbook.hint": ("另起一个文件名，例如 报表.xlsx", "choose another file name, e.g. report.xlsx"),
    "output.in_store": ("{path} 在 propcli 自己的 .propcli 文件夹里", "{path} is inside propcli's own .propcli folder"),
    "output.in_store.hint": ("把输出写到别的文件夹", "write the output to another folder"),
    "output.exists_foreign": ("{path} 已存在，而且不是 propcli 导出的文件（{what}），不会覆盖它",
                              "{path} already exists and is not a file propcli exported ({what}); it is not replaced"),
    "output.exists_foreign.hint": ("换一个文件名，或先把它移走", "choose another file name, or move that file away first"),
    "output.what_estate": ("它是一个小区工作簿", "it is an estate workbook"),
    "output.what_document": ("它是别的程序写的工作簿或文档", "it is a workbook or document another program wrote"),
    "output.write_failed": ("无法写入 {path}（{reason}）", "cannot write {path} ({reason})"),
    "output.write_failed.hint": ("检查磁盘空间和文件夹权限", "check the disk space and the folder's permissions"),
    "template.error": ("模板 {template} 第 {line} 行：{reason}", "template {template}, line {line}: {reason}"),
    "template.error.hint": (
        "改正该模板，或删去它以使用 propcli 自带的模板（docs/templates.md 列出每个模板可用的变量）",
        "fix the template, or remove it to use the shipped one (docs/templates.md lists each template's variables)",
    ),
}
