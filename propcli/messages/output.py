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
    "out.internal": ("内部错误：{error}（加 --debug 查看详情）", "internal error: {error} (add --debug for details)"),
}
