"""Payments (收款记录): methods, allocation to bills, voids, receipts."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "payment.method": ("收款方式 {value} 不在 {choices} 之中", "method {value} is not one of {choices}"),
    "alloc.amount": ("金额 {value} 无效", "amount {value} is not valid"),
    "alloc.amount.hint": ("填大于 0、最多两位小数的金额，如 1234.50", "enter an amount above 0 with at most 2 decimals, e.g. 1234.50"),
    "alloc.unknown_bill": ("{unit} 没有账单 {bill}", "{unit} has no bill {bill}"),
    "alloc.unknown_bill.hint": ("用 propcli owners show {unit} 查看该户的账单", "see the unit's bills with propcli owners show {unit}"),
    "alloc.closed_bill": ("账单 {bill} 已结清", "bill {bill} is already paid"),
    "alloc.closed_bill.hint": ("去掉该账单，或不指定 --bills 按账期顺序冲抵", "leave it out, or drop --bills to pay the oldest first"),
    "alloc.duplicate_bill": ("账单 {bill} 指定了两次", "bill {bill} is named twice"),
    "alloc.overspent": ("预存不足，还差 {amount} 元", "the prepaid balance is {amount} short"),
    "alloc.syntax": ("分配 {text} 无法识别", "allocation {text} cannot be read"),
    "alloc.syntax.hint": ("写成 账单号:金额;…;预存:金额", "write BILL:AMOUNT;…;预存:AMOUNT"),
    "payment.bad_allocations": ("分配 {value} 无法识别", "allocation {value} cannot be read"),
    "payment.bad_allocations.hint": ("写成 账单号:金额;…;预存:金额", "write BILL:AMOUNT;…;预存:AMOUNT"),
    "payment.unknown": ("找不到收据 {receipt}", "receipt {receipt} not found"),
    "payment.unknown.hint": ("用 propcli payments list 查找", "look it up with propcli payments list"),
    "payment.void_reason": ("作废需要写明原因", "a void needs a reason"),
    "payment.void_reason.hint": ("加 --reason，如 --reason 重复收款", "add --reason, e.g. --reason 重复收款"),
    "payment.already_void": ("收据 {receipt} 已作废（{value}）", "receipt {receipt} is already void ({value})"),
    "payment.bill_gone": ("收据 {receipt} 冲抵的账单 {bill} 已不存在", "bill {bill} paid by receipt {receipt} no longer exists"),
    "payment.bill_gone.hint": ("先恢复该账单，再作废", "restore the bill before voiding"),
    "payment.void_overdrawn": ("账单 {bill} 已收 {value}，少于要冲回的 {amount}", "bill {bill} shows {value} paid, less than the {amount} to reverse"),
    "payment.void_overdrawn.hint": ("核对该账单的已收金额", "check the bill's paid amount"),
    "out.payment_title": ("收据 {receipt} · {unit} · 收款 {amount} 元", "receipt {receipt} · {unit} · {amount} received"),
    "out.prepaid_balance": ("{unit} 预存余额 {amount} 元", "{unit} prepaid balance {amount}"),
    "out.receipt": ("收据号 {receipt}（打印：propcli payments receipt {receipt} -o 收据.html）", "receipt {receipt} (print: propcli payments receipt {receipt} -o receipt.html)"),
    "out.voided": ("收据 {receipt}（{amount} 元）已作废，{bills} 张账单已冲回", "receipt {receipt} ({amount}) voided; {bills} bill(s) reopened"),
    "out.payments_title": ("收款记录（{count} 笔，有效合计 {total} 元）", "payments ({count}, valid total {total})"),
}
