"""What the browser journeys share: devices, accounts, the drafts they use, where screenshots go."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium"))

#: A phone (the citizen's) and a desktop (the officer's) for ``journey(name, device)``.
PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
                         "device_scale_factor": 2}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    name: str


@dataclass
class Site:
    """The running server and what the setup put into it."""

    url: str
    officer: Account
    volunteer: Account
    office: str
    citizen_draft: tuple[str, str]   # slug, title: published, open, 24 articles
    import_file: Path                # not imported yet: the officer uploads it
    import_draft: tuple[str, str]


def _cn(n: int) -> str:
    from liaison.drafts.numerals import int_to_chinese

    return int_to_chinese(n)


CITIZEN_DRAFT = ("civil-dog-keeping", "某市文明养犬条例（草案）")
IMPORT_DRAFT = ("ebike-parking", "某市电动自行车停放充电管理规定（草案）")

_DOG_ARTICLES = {
    1: "为了规范养犬行为，保障公民人身安全，维护公共秩序和市容环境，制定本条例。",
    2: "本条例适用于本市行政区域内的养犬及其相关管理活动。",
    12: "携犬出户时，应当为犬只束犬链，犬链长度不得超过一点五米，并主动避让行人。",
}


def citizen_draft_file() -> str:
    """A published draft long enough that a phone has to jump: three chapters, 24 articles."""
    slug, title = CITIZEN_DRAFT
    chapters = ["第一章　总则", "第二章　养犬登记", "第三章　养犬行为规范"]
    lines = [
        "---", f"title: {title}", f"slug: {slug}", "issuer: 某市人大常委会法制工作委员会", "kind: 法规",
        "round: 征求意见稿", "comment_opens: 2020-01-01", "comment_closes: 2099-12-31",
        "summary: 规范养犬行为，明确养犬登记、犬只免疫和携犬出户的要求。",
        "key_questions:", "  - 犬链长度不超过一点五米是否合适？", "---", "", f"# {title}", "",
    ]
    for number in range(1, 25):
        if number % 8 == 1:
            lines += [chapters[number // 8], ""]
        text = _DOG_ARTICLES.get(number, f"养犬人应当遵守本条例第{_cn(number)}项管理要求，具体办法由市公安机关制定。")
        lines += [f"第{_cn(number)}条　{text}", ""]
    return "\n".join(lines)


def import_draft_file() -> str:
    """The file the officer uploads: chapters, sections, paragraphs and items."""
    slug, title = IMPORT_DRAFT
    return f"""---
title: {title}
slug: {slug}
issuer: 某市人大常委会法制工作委员会
kind: 规章
round: 征求意见稿
comment_opens: 2020-01-01
comment_closes: 2099-12-31
summary: 规范电动自行车停放和充电，预防火灾事故。
key_questions:
  - 禁止在楼道内停放、充电的规定是否可行？
---

# {title}

第一章　总则

第一条　为了规范电动自行车停放和充电行为，预防和减少火灾事故，制定本规定。

第二条　本市行政区域内电动自行车的停放、充电及其监督管理，适用本规定。

第二章　停放与充电

第一节　停放

第三条　禁止在下列场所停放电动自行车：

（一）建筑物的疏散通道、安全出口、楼梯间；

（二）高层住宅的共用走道。

第四条　物业服务人应当在小区内划定电动自行车集中停放区域。

第二节　充电

第五条　禁止私拉电线为电动自行车充电。

集中充电设施应当具备定时断电、过载保护功能。

第三章　附则

第六条　本规定自　　年　　月　　日起施行。
"""


def receipt_code_pattern() -> re.Pattern[str]:
    """How a receipt code is shown: 7KQ3-M9XD (no 0/O/1/I)."""
    return re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
