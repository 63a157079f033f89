"""The estate workbook's registers: sheet names, columns, header aliases and declared types.

Every sheet and column has a Chinese name (what the clerk sees) and an English key (what the code
uses). Both are accepted wherever a sheet or header is named, plus a few aliases seen in real
workbooks (e.g. `房间号`, `手机号`, `业主名称`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum

from ..domain.deadlines import CATEGORIES, SEVERITIES  # the trade's lists, declared once with their rules


class Kind(str, Enum):
    """Declared type of a column. Identifiers are always text."""

    ID = "id"  # identifier: text, never a number (房号, 账期, 账单号, 收据号)
    TEXT = "text"
    PHONE = "phone"  # identifier: text of digits
    IDNO = "idno"  # identifier: 18-char ID number, may end in X
    DECIMAL = "decimal"  # area, readings, unit prices: Decimal
    MONEY = "money"  # amounts in 元: Decimal, shown to the 分
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"
    PERIOD = "period"  # 账期 YYYY-MM
    ENUM = "enum"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    kind: Kind = Kind.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # for ENUM: the drop-down list
    width: int = 12  # column width in a new workbook (characters)

    def names(self) -> tuple[str, ...]:
        return (self.zh, self.key, *self.aliases)

    @property
    def is_identifier(self) -> bool:
        return self.kind in (Kind.ID, Kind.PHONE, Kind.IDNO, Kind.PERIOD)


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    columns: tuple[Column, ...]
    primary: tuple[str, ...] = ()  # key columns, e.g. ("unit_id",)
    aliases: tuple[str, ...] = ()
    key_value: bool = False  # 小区信息: a settings sheet of 项目/值 pairs
    _by_key: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({c.key: c for c in self.columns})

    def column(self, key: str) -> Column:
        return self._by_key[key]

    def names(self) -> tuple[str, ...]:
        return (self.zh, self.key, *self.aliases)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


STATUSES = ("自住", "出租", "空置", "托管")
METERS = ("水表", "电表", "燃气表")
METHODS = ("现金", "微信", "支付宝", "银行转账", "POS")
CHANNELS = ("电话", "短信", "书面通知", "催缴函", "上门", "律师函", "诉讼")
BILL_STATUSES = ("未缴", "部分", "已缴", "减免")
BASES = ("按面积", "按用量", "按户", "按车位")
WORK_ORDER_STATUSES = ("待派工", "处理中", "已完成", "已回访", "已关闭")
COMPLAINT_STATUSES = ("已受理", "已转呈", "已答复", "已解决")
SATISFACTION = ("满意", "基本满意", "不满意")

C = Column

UNIT = C("unit_id", "房号", Kind.ID, True, ("房屋编号", "房间编号", "物业编号", "房屋", "unit"), width=12)
OPERATOR = C("operator", "经办人", aliases=("收银员", "操作员"))
NOTES = C("notes", "备注", width=24)

ESTATE = Sheet(
    "estate",
    "小区信息",
    (C("item", "项目", Kind.TEXT, True, ("key",), width=16), C("value", "值", Kind.TEXT, False, ("value",), width=40)),
    primary=("item",),
    key_value=True,
)

# The settings of 小区信息: key, Chinese label, default value.
ESTATE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("name", "小区名称", ""),
    ("company", "物业公司", ""),
    ("phone", "服务电话", ""),
    ("address", "地址", ""),
    ("bank_account", "收款账户", ""),
    ("due_days", "缴费期限(天)", "15"),
    ("rounding", "金额舍入", "分"),
    ("late_fee", "滞纳金", "不收"),  # off; else e.g. `日0.3‰；宽限30天；上限100%`
    ("dunning_gap", "催缴间隔(天)", "7"),  # no ladder step within so many days of another contact
    ("limitation_warning", "时效预警(天)", "90"),  # warn this long before a debt becomes time-barred
    ("money_ceiling", "金额上限", "10000000"),  # no payment or bill line above it (元): 1e20 is a typing slip
    ("collection_target", "收费率目标", "95%"),  # the monthly statistics draw it beside the 收费率 (80%, then 95% in the trade)
    ("last_receipt", "最后收据号", ""),
    # a unit in 托管 (entrusted to the office, standing empty) using more than this a month is an anomaly
    ("trust_water", "托管用水上限(m³)", "5"),
    ("trust_power", "托管用电上限(kWh)", "20"),  # receipt numbers are never reused, even if a row is deleted
)

OWNERS = Sheet(
    "owners",
    "业主档案",
    (
        UNIT,
        C("building", "楼栋", aliases=("楼号", "楼栋号", "楼栋名称", "楼栋编号", "楼阁名称"), width=8),
        C("entrance", "单元", aliases=("单元号",), width=6),
        C("room", "室号", aliases=("房间号", "房间", "门牌号"), width=8),
        C("owner_name", "业主姓名", Kind.TEXT, True, ("姓名", "业主名称", "业主", "客户", "户主"), width=10),
        C("phone", "联系电话", Kind.PHONE, False, ("手机号", "电话", "手机", "联系方式"), width=14),
        C("id_no", "证件号码", Kind.IDNO, False, ("身份证号", "身份证号码", "证件号"), width=20),
        C("area", "建筑面积", Kind.DECIMAL, True, ("面积", "房屋面积"), width=10),
        C("household_size", "常住人口", Kind.INT, aliases=("人口",), width=8),
        C("status", "房屋状态", Kind.ENUM, choices=STATUSES, aliases=("状态",), width=9),
        C("move_in_date", "入住日期", Kind.DATE, aliases=("入住时间", "交房日期"), width=12),
        C("tenant_name", "租户姓名", aliases=("租户",), width=10),
        C("tenant_phone", "租户电话", Kind.PHONE, width=14),
        C("parking", "车位", aliases=("车位号",), width=8),
        NOTES,
    ),
    primary=("unit_id",),
)

TRANSFERS = Sheet(
    "transfers",
    "过户记录",
    (
        UNIT,
        C("date", "过户日期", Kind.DATE, True, width=12),
        C("from_owner", "原业主", Kind.TEXT, True, width=10),
        C("to_owner", "新业主", Kind.TEXT, True, width=10),
        C("phone", "新电话", Kind.PHONE, width=14),
        C("settled", "结清金额", Kind.MONEY, width=12),
        OPERATOR,
    ),
)

RATES = Sheet(
    "rates",
    "收费标准",
    (
        C("item", "收费项目", Kind.TEXT, True, width=10),
        C("basis", "计费方式", Kind.ENUM, True, choices=BASES, width=10),
        C("price", "单价", Kind.DECIMAL, width=8),
        C("tiers", "阶梯", width=30),
        C("tier_cycle", "阶梯周期", Kind.ENUM, choices=("月", "年"), width=8),
        C("months", "适用月份", width=8),
        C("large_household", "大户加档", width=8),
        C("meter", "表计", Kind.ENUM, choices=METERS, width=8),
        C("applies_to", "适用状态", width=10),
        C("factor", "折扣", Kind.DECIMAL, width=6),
        C("effective_from", "生效日期", Kind.DATE, True, width=12),
        C("effective_to", "失效日期", Kind.DATE, width=12),
    ),
    primary=("item", "applies_to", "months", "effective_from"),
)

READINGS = Sheet(
    "readings",
    "抄表记录",
    (
        UNIT,
        C("meter", "表计", Kind.ENUM, True, choices=METERS, width=8),
        C("period", "账期", Kind.PERIOD, True, width=9),
        C("read_date", "抄表日期", Kind.DATE, width=12),
        C("reading", "读数", Kind.DECIMAL, True, aliases=("本次读数",), width=10),
        C("reader", "抄表人", width=8),
        C("replacement", "换表", width=14),
        NOTES,
    ),
    primary=("unit_id", "meter", "period"),
)

BILLS = Sheet(
    "bills",
    "应收账单",
    (
        C("bill_id", "账单号", Kind.ID, True, ("账单编号",), width=16),
        UNIT,
        C("period", "账期", Kind.PERIOD, True, width=9),
        C("item", "收费项目", Kind.TEXT, True, width=10),
        C("quantity", "用量", Kind.DECIMAL, width=8),
        C("unit_price", "单价", Kind.DECIMAL, width=8),
        C("amount", "金额", Kind.MONEY, True, ("应缴金额", "应收金额", "账单金额"), width=10),
        C("due_date", "应缴日期", Kind.DATE, width=12),
        C("paid", "已收", Kind.MONEY, aliases=("实收金额", "实缴金额"), width=10),
        C("status", "状态", Kind.ENUM, choices=BILL_STATUSES, width=6),
        C("detail", "计算明细", width=36),
    ),
    primary=("bill_id",),
)

PAYMENTS = Sheet(
    "payments",
    "收款记录",
    (
        C("receipt_no", "收据号", Kind.ID, True, width=16),
        UNIT,
        C("paid_on", "收款日期", Kind.DATE, True, ("缴费时间",), width=12),
        C("amount", "金额", Kind.MONEY, True, width=10),
        C("method", "方式", Kind.ENUM, choices=METHODS, width=9),
        OPERATOR,
        C("allocations", "分配", width=36),
        C("voided", "作废", width=24),  # `2026-11-23 重复收款`: a voided receipt stays, marked
        NOTES,
    ),
    primary=("receipt_no",),
)

REMINDERS = Sheet(
    "reminders",
    "催缴记录",
    (
        UNIT,
        C("date", "日期", Kind.DATE, True, width=12),
        C("channel", "方式", Kind.ENUM, True, choices=CHANNELS, width=9),
        C("outcome", "结果", width=20),
        C("promise_date", "承诺缴费日期", Kind.DATE, width=12),
        C("tracking_no", "快递单号", Kind.ID, width=16),
        OPERATOR,
        NOTES,
    ),
)

DUNNING = Sheet(
    "dunning",
    "催缴规则",
    (
        C("order", "顺序", Kind.INT, True, ("步骤",), width=6),
        C("channel", "方式", Kind.ENUM, True, choices=CHANNELS, width=9),
        C("after", "起算", width=10),
        C("wait", "间隔", width=8),
        C("min_months", "最少欠费月数", Kind.INT, width=12),
        C("applies_to", "适用状态", width=10),
        NOTES,
    ),
    primary=("order",),
)

# The default ladder of a new workbook (DESIGN §3): the estate changes these rows to change its policy.
DUNNING_DEFAULTS: tuple[dict[str, object], ...] = (
    {"order": 1, "channel": "书面通知", "after": "逾期", "wait": "1天", "min_months": 1,
     "notes": "欠费第一个月：书面缴费通知"},
    {"order": 2, "channel": "短信", "after": "逾期", "wait": "1天", "min_months": 1, "notes": "同时发短信提醒"},
    {"order": 3, "channel": "电话", "after": "书面通知", "wait": "15天", "min_months": 1, "notes": "电话跟进，记下承诺缴费日期"},
    {"order": 4, "channel": "催缴函", "after": "电话", "wait": "3个月", "min_months": 1,
     "notes": "电话三个月后仍未缴：EMS 寄送催缴函，记录快递单号"},
    {"order": 5, "channel": "上门", "after": "催缴函", "wait": "1个月", "min_months": 6, "applies_to": "自住",
     "notes": "长期欠费且住在本小区：上门沟通"},
    {"order": 6, "channel": "律师函", "after": "上门", "wait": "3个月", "min_months": 12, "notes": "委托律师发函"},
    {"order": 7, "channel": "诉讼", "after": "律师函", "wait": "3个月", "min_months": 12, "notes": "起诉前报物业经理审批"},
)

WORK_ORDERS = Sheet(
    "work_orders",
    "报修工单",
    (
        C("order_no", "工单号", Kind.ID, True, width=14),
        C("unit_id", "房号", Kind.ID, False, ("房屋",), width=12),
        C("reported_at", "报修时间", Kind.DATETIME, True, ("受理时间",), width=17),
        C("reporter", "报修人", width=10),
        C("phone", "联系电话", Kind.PHONE, width=14),
        C("category", "类别", Kind.ENUM, choices=CATEGORIES, width=10),
        C("content", "内容", aliases=("报修内容",), width=30),
        C("convenient_time", "方便时间", width=14),
        C("paid", "有偿", Kind.ENUM, choices=("是", "否"), width=6),
        C("assign_due", "派工期限", Kind.DATETIME, width=17),
        C("assigned_to", "派工", aliases=("维修人员", "维修人"), width=10),
        C("assigned_at", "派工时间", Kind.DATETIME, width=17),
        C("status", "状态", Kind.ENUM, choices=WORK_ORDER_STATUSES, width=8),
        C("done_due", "完工期限", Kind.DATETIME, width=17),
        C("done_at", "完成时间", Kind.DATETIME, aliases=("完工时间",), width=17),
        C("leak_test_at", "试漏时间", Kind.DATETIME, width=17),
        C("visit_due", "回访期限", Kind.DATETIME, width=17),
        C("visited_at", "回访时间", Kind.DATETIME, width=17),
        C("visited_by", "回访人", width=10),
        C("visit_result", "回访结果", width=20),
        C("satisfaction", "满意度", Kind.ENUM, choices=SATISFACTION, width=8),
        C("reopened", "返修次数", Kind.INT, width=8),
        C("charge", "有偿金额", Kind.MONEY, width=10),
        C("bill_id", "账单号", Kind.ID, width=16),
    ),
    primary=("order_no",),
)

COMPLAINTS = Sheet(
    "complaints",
    "投诉记录",
    (
        C("complaint_no", "投诉号", Kind.ID, True, width=14),
        C("unit_id", "房号", Kind.ID, False, width=12),
        C("received_at", "受理时间", Kind.DATETIME, True, width=17),
        C("complainant", "投诉人", width=10),
        C("phone", "联系电话", Kind.PHONE, width=14),
        C("severity", "等级", Kind.ENUM, True, choices=SEVERITIES, width=6),
        C("subject", "事由", width=30),
        C("department", "责任部门", width=10),
        C("requested_by", "要求解决日期", Kind.DATE, width=12),
        C("status", "状态", Kind.ENUM, choices=COMPLAINT_STATUSES, width=8),
        C("forward_due", "转呈期限", Kind.DATETIME, width=17),
        C("forwarded_to", "转呈对象", width=10),
        C("forwarded_at", "转呈时间", Kind.DATETIME, width=17),
        C("answer_due", "答复期限", Kind.DATETIME, width=17),
        C("answered_at", "答复时间", Kind.DATETIME, width=17),
        C("resolve_due", "解决期限", Kind.DATETIME, width=17),
        C("resolved_at", "解决时间", Kind.DATETIME, width=17),
        C("result", "处理结果", width=24),
    ),
    primary=("complaint_no",),
)

NOTICE_CHANNELS = ("纸质", "短信", "EMS")

# Every notice issued (propcli notices render): a second run of the same kind and period skips these.
NOTICES = Sheet(
    "notices",
    "通知记录",
    (
        C("batch", "批次", Kind.ID, True, width=14),
        C("time", "时间", Kind.DATETIME, True, width=17),
        C("kind", "类型", Kind.TEXT, True, width=10),
        C("ref_period", "账期/日期", Kind.ID, aliases=("账期", "日期"), width=20),
        C("unit_id", "房号", Kind.ID, True, width=12),
        C("channel", "渠道", Kind.ENUM, True, choices=NOTICE_CHANNELS, width=6),
        C("file", "文件", width=28),
        C("page", "页码", Kind.INT, width=6),
        C("digest", "内容摘要", Kind.ID, aliases=("hash", "摘要"), width=18),
    ),
    primary=("batch", "unit_id", "kind", "ref_period"),
)

DEADLINES = Sheet(
    "deadlines",
    "时限规则",
    (
        C("subject", "类别或等级", Kind.TEXT, True, ("类别", "等级"), width=10),
        C("step", "环节", Kind.ENUM, True, choices=("派工", "完工", "回访", "转呈", "答复", "解决"), width=8),
        C("start", "起算", width=8),
        C("limit", "时限", Kind.TEXT, True, width=10),
        NOTES,
    ),
    primary=("subject", "step"),
)

# The default limits of a new workbook (DESIGN §3, the clerk's duty descriptions): `全部` holds for every
# category or severity without a row of its own. The estate changes these rows to change its policy.
DEADLINES_DEFAULTS: tuple[dict[str, object], ...] = (
    {"subject": "全部", "step": "派工", "start": "受理", "limit": "2小时", "notes": "接报后通知维修人员按约定时间上门"},
    {"subject": "全部", "step": "完工", "start": "派工", "limit": "3天"},
    {"subject": "安全设施", "step": "完工", "start": "派工", "limit": "1天", "notes": "安全设施优先处理"},
    {"subject": "安全设施", "step": "回访", "start": "完工", "limit": "2天", "notes": "安全设施：2天内回访"},
    {"subject": "渗漏", "step": "回访", "start": "试漏", "limit": "3天", "notes": "房屋渗漏水：试漏后3天内回访"},
    {"subject": "全部", "step": "回访", "start": "完工", "limit": "2天", "notes": "其他维修：2天内回访"},
    {"subject": "重大", "step": "转呈", "start": "受理", "limit": "当天", "notes": "当天报告部门负责人"},
    {"subject": "重大", "step": "答复", "start": "受理", "limit": "2天", "notes": "2天内给住户明确答复"},
    {"subject": "重大", "step": "解决", "start": "受理", "limit": "10天", "notes": "10天内解决"},
    {"subject": "重要", "step": "转呈", "start": "受理", "limit": "1小时", "notes": "1小时内转呈部门负责人"},
    {"subject": "重要", "step": "解决", "start": "受理", "limit": "3天", "notes": "3天内处理完毕"},
    {"subject": "重要", "step": "答复", "start": "解决", "limit": "当天", "notes": "结果当天告知住户"},
    {"subject": "一般", "step": "解决", "start": "受理", "limit": "2天", "notes": "2天内或住户要求的日期前解决"},
    {"subject": "一般", "step": "答复", "start": "解决", "limit": "当天", "notes": "结果当天告知住户"},
)

JOURNAL = Sheet(
    "journal",
    "操作日志",
    (
        C("time", "时间", Kind.DATETIME, True, width=20),
        C("operator", "操作人", width=10),
        C("command", "命令", width=30),
        C("sheet", "表", width=10),
        C("key", "主键", width=14),
        C("before", "变更前", width=40),
        C("after", "变更后", width=40),
    ),
)

SHEETS: tuple[Sheet, ...] = (
    ESTATE, OWNERS, TRANSFERS, RATES, READINGS, BILLS, PAYMENTS, REMINDERS, DUNNING, WORK_ORDERS, COMPLAINTS,
    DEADLINES, NOTICES, JOURNAL,
)
BY_KEY: dict[str, Sheet] = {s.key: s for s in SHEETS}

_UNIT_SUFFIX = re.compile(r"[\(（\[【].*?[\)）\]】]\s*$")
_SPACES = re.compile(r"\s+")


def norm_header(text: object) -> str:
    """Normalise a header or sheet name for matching: width, case, spaces, unit suffixes like `(㎡)`."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = _SPACES.sub("", s)
    while True:  # `房屋面积(必填)`, `建筑面积(㎡)`, `缴费期限(天)` ...
        stripped = _UNIT_SUFFIX.sub("", s)
        if stripped == s or not stripped:
            break
        s = stripped
    for suffix in ("m2", "m²"):  # NFKC has turned ㎡ into m2
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
    return s.lower()


def sheet_for(name: str) -> Sheet | None:
    """The register a workbook sheet name stands for (`业主档案`, `owners`, ` 业主档案 `...)."""
    n = norm_header(name)
    for sheet in SHEETS:
        if n in {norm_header(x) for x in sheet.names()}:
            return sheet
    return None


def header_index(sheet: Sheet) -> dict[str, str]:
    """Normalised header text → column key, for every name and alias of every column."""
    index: dict[str, str] = {}
    for col in sheet.columns:
        for name in col.names():
            index.setdefault(norm_header(name), col.key)
    return index


# -- continuation sheets: a register longer than one sheet can hold -----------------------------------

_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def continuation_name(sheet: Sheet, n: int, *, english: bool = False) -> str:
    """The name of the n-th sheet of a register: its own name for n = 1, then `应收账单2`, `应收账单3` …
    (`bills2`, `bills3` … with `english`, for a workbook whose registers carry the English keys)."""
    base = sheet.key if english else sheet.zh
    return base if n == 1 else f"{base}{n}"


def continuation_of(name: str) -> tuple[Sheet, int] | None:
    """(register, n) of a continuation sheet name (`应收账单2` → (BILLS, 2)); None for anything else."""
    m = _TRAILING_NUMBER.match(norm_header(name))
    if not m or int(m.group(2)) < 2 or m.group(2).startswith("0"):
        return None
    for sheet in SHEETS:
        if m.group(1) in {norm_header(x) for x in sheet.names()}:
            return sheet, int(m.group(2))
    return None
