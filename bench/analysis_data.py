"""Labeled benchmark data for opinion deduplication (liaison.analysis).

``generate(n, seed=…)`` returns opinions on three draft topics (dog leash rules,
e-bike charging, rural sanitation) with a gold cluster label for each:

* campaign copies (share ``campaign``, default 0.9) of a few dozen templates, each
  copy edited the way people edit a forwarded text: greetings and sign-offs
  added, a signature with name and phone number appended, synonyms swapped,
  two clauses swapped, full-width/half-width and punctuation changes, stray
  spaces; about half are sent unchanged apart from greeting and signature;
* unique opinions composed from a large pool of clauses with random numbers;
* close-but-different proposals: template pairs that differ only in a number
  (牵引绳不超过1.5米 / 2米, 罚款200元 / 500元) or in polarity (禁止大型犬 /
  不应禁止大型犬, 支持 / 反对), and unique opinions each paired with a variant
  with a changed number or an added negation. ``hard_pairs`` lists (i, j)
  positions of such pairs: a good clusterer merges none of them.

Deterministic for a given seed. Importable from tests (``sys.path`` + ``bench/``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Dataset", "generate", "DRAFT_TEXTS"]

DRAFT_TEXTS = [
    "携带犬只出户的，应当为犬只束牵引绳，牵引绳长度不得超过一点五米，并由完全民事行为能力人牵领。",
    "重点管理区内禁止饲养烈性犬、大型犬。每户限养一只犬。",
    "携犬出户时，养犬人应当即时清理犬只排泄的粪便。",
    "违反本条例规定，携带犬只出户未束牵引绳的，由公安机关责令改正，处二百元以上五百元以下罚款。",
    "禁止在住宅楼的楼道、楼梯间、安全出口等公共区域停放电动自行车或者为电动自行车充电。",
    "住宅小区应当按照规定设置电动自行车集中停放场所和充电设施。",
    "村民应当将生活垃圾分类投放到指定地点，不得随意倾倒、焚烧。",
    "推进农村户厕改造，因地制宜选择改厕技术模式，加强厕所粪污无害化处理和资源化利用。",
]

# (label key, text, hard-pair group or None). Texts in the same group differ only in a
# number or in polarity: they are distinct proposals that must never merge.
_TEMPLATES: list[tuple[str, str, str | None]] = [
    ("leash_15", "建议牵引绳长度维持不超过1.5米的规定，牵引绳过长容易让犬只扑向行人，尤其是在小区和公园里，老人和孩子很难躲避，请相关部门严格执法", "leash"),
    ("leash_2", "建议牵引绳长度维持不超过2米的规定，牵引绳过长容易让犬只扑向行人，尤其是在小区和公园里，老人和孩子很难躲避，请相关部门严格执法", "leash"),
    ("leash_3", "建议牵引绳长度维持不超过3米的规定，牵引绳过长容易让犬只扑向行人，尤其是在小区和公园里，老人和孩子很难躲避，请相关部门严格执法", "leash"),
    ("bigdog_ban", "我认为重点管理区内应当禁止饲养大型犬，大型犬一旦失控后果严重，小区里楼道狭窄，邻居们每天上下班都要经过，安全隐患太大了", "bigdog"),
    ("bigdog_noban", "我认为重点管理区内不应当禁止饲养大型犬，大型犬一旦失控后果严重，小区里楼道狭窄，邻居们每天上下班都要经过，关键在于管理", "bigdog"),
    ("fine_200", "对于携犬出户不束牵引绳的行为，建议罚款金额定为200元，并在小区公告栏公布处罚情况，形成震慑，同时加强对养犬人的宣传教育", "fine"),
    ("fine_500", "对于携犬出户不束牵引绳的行为，建议罚款金额定为500元，并在小区公告栏公布处罚情况，形成震慑，同时加强对养犬人的宣传教育", "fine"),
    ("onedog_support", "我支持每户限养一只犬的规定，现在很多家庭养好几条狗，噪音和卫生问题影响邻居休息，希望条例通过后能够认真落实", "onedog"),
    ("onedog_oppose", "我反对每户限养一只犬的规定，现在很多家庭养好几条狗，噪音和卫生问题影响邻居休息，希望条例通过后能够认真落实", "onedog"),
    ("poop", "第十二条关于即时清理犬只粪便的规定很好，建议在公园和小区增设拾便袋投放点和专用垃圾桶，方便养犬人随手清理，共同维护环境卫生", None),
    ("stray", "建议允许社会组织和爱心人士参与流浪犬领养，收容所应当定期公布待领养犬只信息，简化领养手续，减少流浪犬被处置的数量", None),
    ("register", "犬只登记应当实现线上办理，养犬人不用再跑派出所，登记信息和免疫信息打通共享，年检也可以在手机上完成，方便群众", None),
    ("ebike_ban", "坚决支持禁止电动自行车进楼道充电，我们楼去年就因为电动车充电起火，浓烟把整栋楼都熏黑了，幸好没有人员伤亡", "ebike"),
    ("ebike_noban", "坚决反对禁止电动自行车进楼道充电，我们楼去年就因为电动车充电起火，浓烟把整栋楼都熏黑了，幸好没有人员伤亡", "ebike"),
    ("charge_fee_1", "建议小区集中充电设施的收费标准每度电不超过1元，充电费用过高的话很多居民还是会偷偷把电池拿回家充电，反而更加危险", "fee"),
    ("charge_fee_15", "建议小区集中充电设施的收费标准每度电不超过1.5元，充电费用过高的话很多居民还是会偷偷把电池拿回家充电，反而更加危险", "fee"),
    ("charge_old", "老旧小区没有地方建充电棚，建议政府给予补贴，由街道和物业统筹利用边角空地建设充电设施，不能把责任都推给居民", None),
    ("charge_time", "充电设施应当具备充满自动断电功能，物业要安排专人定期巡查，发现电池鼓包、线路老化的要及时提醒车主更换", None),
    ("trash_fine", "对于随意倾倒生活垃圾的村民，建议首次进行批评教育，第二次起处以50元罚款，同时将垃圾分类情况纳入文明家庭评比", "trash"),
    ("trash_fine2", "对于随意倾倒生活垃圾的村民，建议首次进行批评教育，第二次起处以100元罚款，同时将垃圾分类情况纳入文明家庭评比", "trash"),
    ("toilet", "农村改厕不能一刀切，山区缺水的地方建议推广旱厕改造模式，改厕以后的后续管护也要跟上，不能建了就不管了", None),
    ("burn_ban", "应当明确禁止在村里焚烧秸秆和垃圾，每到秋收季节烟雾很大，呛得老人孩子咳嗽，希望村委会加强巡查", "burn"),
    ("burn_noban", "不应当一律禁止在村里焚烧秸秆和垃圾，每到秋收季节烟雾很大，呛得老人孩子咳嗽，希望村委会加强巡查", "burn"),
    ("sewage", "建议加快农村生活污水管网建设，目前很多村的污水直接排进河沟，夏天气味难闻，蚊虫滋生，影响村民身体健康", None),
    ("quote_leash", "第十条规定“牵引绳长度不得超过一点五米”，我觉得这个规定对于小型犬来说过于严格，建议区分犬只体型分别规定", None),
    ("quote_trash", "草案规定“村民应当将生活垃圾分类投放到指定地点，不得随意倾倒、焚烧”，建议村里配备足够的分类垃圾桶", None),
]

# A fixed second sentence per template brings copies to the ~150 characters real opinions have.
_TEMPLATE_TAILS = [
    "这件事情关系到千家万户的切身利益，我们小区的居民在业主群里讨论了很长时间，大家一致认为应当把这个意见反映上去",
    "我在这里生活了二十多年，亲眼看到这些年的变化，希望立法的时候多听听基层群众的声音，让条例真正管用、好用",
    "条例出台以后还要加强宣传，让每个人都知道有哪些规定，违反了要承担什么后果，这样执行起来才会顺利",
    "希望有关部门在修改草案时认真研究这个问题，必要的时候可以到社区来开座谈会，听一听居民们的真实想法",
    "这个问题在我们街道非常普遍，社区干部也多次协调过，但是因为缺少明确的法律依据，很多时候只能劝说",
    "作为一名在社区工作多年的志愿者，我觉得条例的规定要具体明确，便于操作，不能只有原则性的要求",
]
_TAIL_A = [t.split("，", 1)[0] for t in _TEMPLATE_TAILS]
_TAIL_B = [t.split("，", 1)[1] for t in _TEMPLATE_TAILS]
_TAIL_GROUPS = sorted({g or k for k, _, g in _TEMPLATES})


def _tail(group: str, longer: bool = False) -> str:
    """Siblings share their tail; any two other templates share at most half of theirs.

    ``longer``: one more fixed clause (~24 characters on average), for the ~150-character mean of the
    speed aim.
    """
    i = _TAIL_GROUPS.index(group)
    tail = _TAIL_A[i % 6] + "，" + _TAIL_B[(i // 6 + i) % 6]
    if not longer:
        return tail
    return tail + "，" + (_TAIL_B if i % 2 else _TAIL_A)[(i + 2) % 6]


_GREETINGS = ["尊敬的领导：", "尊敬的领导，您好！", "您好！", "各位领导好，", "尊敬的人大代表：", "领导您好：", "你好，", ""]
_SIGNOFFS = ["谢谢！", "望采纳！", "此致敬礼！", "以上建议仅供参考。", "谢谢！望采纳。", "感谢！", "希望采纳，谢谢。", "不胜感激！"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅"
_SYNONYMS = [
    ("建议", "希望"), ("建议", "提议"), ("希望", "盼望"), ("严格执法", "加大执法力度"), ("容易", "很容易"), ("很难", "难以"),
    ("严重", "很严重"), ("小区", "住宅小区"), ("现在", "目前"), ("方便", "便于"), ("加强", "强化"), ("定期", "按时"),
    ("及时", "尽快"), ("同时", "并且"), ("很多", "不少"), ("影响", "干扰"), ("认真落实", "落到实处"), ("偷偷", "私自"),
    ("尤其是", "特别是"), ("幸好", "还好"), ("太大了", "非常大"), ("浓烟", "黑烟"), ("目前", "现在"), ("气味难闻", "臭味很大"),
]
_FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_HALF_PUNCT = {"，": ",", "。": ".", "！": "!", "：": ":", "；": ";", "？": "?"}

_CLAUSES = {
    "dog": [
        "小区里遛狗不拴绳的现象很普遍", "建议在公园划定遛狗区域", "夜间犬吠扰民问题应当有人管", "犬只免疫证明应当随身携带",
        "建议对导盲犬给予更多便利", "宠物医院收费标准不透明", "流浪猫的管理也应纳入条例", "建议明确物业在养犬管理中的责任",
        "犬只咬人后的赔偿标准要具体", "公共电梯里应当抱起小型犬", "社区可以组织文明养犬培训", "养犬登记费用应当公开",
        "烈性犬名录应当定期更新", "违规养犬可以纳入信用记录", "犬只粪便清理要有专人监督", "建议设置养犬人举报奖励",
        "学校周边应当禁止遛狗", "外地来本市的犬只如何登记需要明确", "农村散养犬也要管起来", "宠物店出售犬只应当办理登记",
    ],
    "ebike": [
        "楼下充电桩数量太少经常排队", "建议充电桩安装遮雨棚", "电池以旧换新应当给予补贴", "外卖骑手的充电需求也要考虑",
        "充电时段可以实行峰谷电价", "物业应当配备灭火器材", "电动车违规改装应当严查", "老旧电池回收渠道需要畅通",
        "地下车库不宜设置充电区", "建议推广换电柜模式", "楼道监控要覆盖电梯", "电梯应当安装电动车阻车系统",
        "社区要经常开展消防演练", "充电设施建设审批要简化", "新建小区必须配套充电车棚", "建议保险公司推出电动车火灾险",
        "夜间充电无人看管风险较大", "充电插座应当具备过载保护", "电动车停放不能堵塞消防通道", "违规充电的处罚标准应当明确",
    ],
    "rural": [
        "村里的垃圾桶清运不及时", "建议每个村配备保洁员", "河道垃圾需要定期打捞", "养殖场的粪污处理要规范",
        "村民环保意识需要提高", "垃圾分类宣传要通俗易懂", "公厕的保洁经费应当保障", "建议把人居环境整治纳入村规民约",
        "废旧农膜回收应当有补贴", "农药包装废弃物要集中回收", "村道两侧可以种植绿化带", "建议设立环境卫生红黑榜",
        "乱搭乱建要统一清理", "房前屋后要保持干净整洁", "村集体应当承担部分整治费用", "污水处理设施建成后要正常运行",
        "建议县里统一招标垃圾转运", "旱厕改造要尊重村民意愿", "畜禽散养影响村容村貌", "建议对保洁工作进行考核",
    ],
}
_NUM_CLAUSES = [
    "建议罚款标准提高到{n}元", "每个小区至少设置{n}个充电车位", "牵引绳长度以{n}米为宜", "每户最多养{n}只犬",
    "垃圾清运每周不少于{n}次", "保洁员每{n}户配备一名", "充电车棚每{n}米设置一个灭火器", "违规停放超过{n}次应当通报",
]


@dataclass
class Dataset:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    hard_pairs: list[tuple[int, int]] = field(default_factory=list)
    draft_texts: list[str] = field(default_factory=lambda: list(DRAFT_TEXTS))


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    p = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    return rng.choice([p, f"{p[:3]} {p[3:7]} {p[7:]}", f"{p[:3]}-{p[3:7]}-{p[7:]}"])


def _signature(rng: random.Random) -> str:
    name = _name(rng)
    return rng.choice(
        [
            f"{name} {_phone(rng)}",
            f"——{name}",
            f"市民{name[0]}先生，电话：{_phone(rng)}",
            f"联系人：{name}，联系电话：{_phone(rng)}",
            f"{name}（{_phone(rng)}）",
            f"居民{name} {rng.randint(2024, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
            "一名普通市民",
            name + "女士",
        ]
    )


def _edit(text: str, rng: random.Random, heavy: bool) -> str:
    if heavy:
        swaps = [s for s in _SYNONYMS if s[0] in text]
        for a, b in rng.sample(swaps, min(len(swaps), rng.randint(1, 2))):
            text = text.replace(a, b, 1)
        if rng.random() < 0.4:
            parts = text.split("，")
            if len(parts) >= 3:
                i = rng.randrange(1, len(parts) - 1)
                parts[i], parts[i + 1] = parts[i + 1], parts[i]
                text = "，".join(parts)
    r = rng.random()
    if r < 0.15:
        text = "".join(_HALF_PUNCT.get(ch, ch) for ch in text)
    elif r < 0.25:
        text = "".join(_FULLWIDTH.get(ch, ch) for ch in text)
    if rng.random() < 0.2:
        text = text.replace("，", rng.choice(["， ", "　", "、", ",", "，，"]), 1)
    if rng.random() < 0.2:
        i = rng.randrange(len(text))
        text = text[:i] + rng.choice([" ", "\n", "  "]) + text[i:]
    return text


def _wrap(text: str, rng: random.Random) -> str:
    end = rng.choice(["。", "！", "", "。。", "!"])
    out = rng.choice(_GREETINGS) + text + end
    if rng.random() < 0.6:
        out += rng.choice(_SIGNOFFS)
    if rng.random() < 0.7:
        out += rng.choice(["", " ", "\n"]) + _signature(rng)
    return out


_PLACES = [a + b for a in "东西南北新老城河山湖桥花" for b in ("苑小区", "家村", "湾社区", "门街道", "塘村", "园新村", "岗镇")]
_OPENERS = [
    "我住在{p}", "我们{p}的情况是这样", "{p}最近", "作为{p}的居民", "在{p}", "我是{p}的楼长", "我家在{p}",
    "{p}的邻居们反映", "关于{p}", "我们{p}这边",
]
_TIMES = ["每天早上", "晚上八点以后", "周末", "节假日", "上下班高峰", "最近一个月", "去年冬天", "雨天", "中午", "凌晨"]
_SPOTS = ["在菜市场门口", "在学校旁边", "在公交站附近", "在广场上", "在河边步道", "在地下车库", "在村口", "在电梯里", "在楼道口", "在停车场", "在健身区", "在快递点"]
_SCENES = [
    "经常能看到这种情况", "总有人不遵守规定", "有老人差点被绊倒", "孩子们玩耍很不安全", "环境卫生很差", "物业也管不了",
    "拍照举报也没人理", "邻里之间为此吵过架", "有人专门去劝阻过", "隐患一直没有消除", "噪音特别大", "味道很难闻",
]
_REASONS = [
    "这个问题已经反映过多次", "大家意见很大", "希望尽快解决", "这关系到每家每户", "相关部门应当重视", "老百姓盼望已久",
    "不少邻居都有同感", "否则条例很难落地", "可以借鉴外地的做法", "成本其实并不高", "年轻人和老人的看法不一样",
    "网上也有很多讨论", "这是最基本的要求", "执行起来并不难", "需要多方配合",
]


def _unique(rng: random.Random, longer: bool = False) -> str:
    topic = rng.choice(list(_CLAUSES))
    k = rng.randint(4, 5) + (1 if longer else 0)
    parts = rng.sample(_CLAUSES[topic], k - 2)
    for _ in range(2):
        parts.append(rng.choice(_TIMES) + rng.choice(_SPOTS) + rng.choice(_SCENES))
    rng.shuffle(parts)
    parts.insert(0, rng.choice(_OPENERS).format(p=rng.choice(_PLACES)))
    parts.insert(rng.randrange(1, len(parts) + 1), rng.choice(_REASONS))
    if rng.random() < 0.5:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(_NUM_CLAUSES).format(n=rng.randint(2, 900)))
    return "，".join(parts)


def _variant(text: str, rng: random.Random) -> str:
    """A close-but-different proposal: change a number, or negate."""
    import re

    m = list(re.finditer(r"\d+", text))
    if m and rng.random() < 0.6:
        x = rng.choice(m)
        v = int(x.group()) + rng.randint(1, 9)
        return text[: x.start()] + str(v) + text[x.end() :]
    i = text.find("建议")
    if i >= 0:
        return text[:i] + "不建议" + text[i + 2 :]
    return "反对" + text


def generate(
    n: int = 5000, seed: int = 0, *, campaign: float = 0.9, hard_unique_pairs: int | None = None, longer: bool = False
) -> Dataset:
    """``n`` labeled opinions (see the module docstring).

    ``longer``: every template and unique opinion gets one more clause, bringing the mean from ~128 to
    ~150 characters (the mean the speed aim is stated for); the default set is what tests pin.
    """
    rng = random.Random(seed)
    ds = Dataset()
    n_campaign = int(n * campaign)
    n_pairs = hard_unique_pairs if hard_unique_pairs is not None else max(1, (n - n_campaign) // 10)
    n_unique = max(0, n - n_campaign - 2 * n_pairs)
    # template popularity: a few dominate (Zipf-like)
    weights = [1.0 / (r + 1) ** 0.8 for r in range(len(_TEMPLATES))]
    order = list(range(len(_TEMPLATES)))
    rng.shuffle(order)
    items: list[tuple[str, str, str | None]] = []
    for _ in range(n_campaign):
        t_index = order[rng.choices(range(len(order)), weights)[0]]
        key, text, group = _TEMPLATES[t_index]
        text = text + "。" + _tail(group or key, longer)
        if rng.random() < 0.25:  # a personal sentence added to the forwarded text
            note = rng.choice(_OPENERS).format(p=rng.choice(_PLACES)) + "，" + rng.choice(_TIMES) + rng.choice(_SPOTS) + rng.choice(_SCENES)
            text = note + "。" + text if rng.random() < 0.5 else text + "。" + note
        body = text if rng.random() < 0.5 else _edit(text, rng, heavy=rng.random() < 0.6)
        items.append((_wrap(body, rng), "t:" + key, group))
    seen: set[str] = set()
    for u in range(n_unique):
        t = _unique(rng, longer)
        while t in seen:
            t = _unique(rng, longer)
        seen.add(t)
        items.append((_wrap(_edit(t, rng, heavy=False), rng), f"u:{u}", None))
    pair_ids: list[tuple[str, str]] = []
    for p in range(n_pairs):
        t = _unique(rng, longer)
        v = _variant(t, rng)
        items.append((_wrap(t, rng), f"p:{p}:a", None))
        items.append((_wrap(v, rng), f"p:{p}:b", None))
        pair_ids.append((f"p:{p}:a", f"p:{p}:b"))
    rng.shuffle(items)
    for text, label, _ in items:
        ds.texts.append(text)
        ds.labels.append(label)
    # hard pairs: every unique pair, plus sampled members of sibling templates
    pos = {lab: i for i, lab in enumerate(ds.labels) if lab.startswith("p:")}
    ds.hard_pairs = [(pos[a], pos[b]) for a, b in pair_ids]
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(ds.labels):
        if lab.startswith("t:"):
            by_label.setdefault(lab, []).append(i)
    groups: dict[str, list[str]] = {}
    for key, _, group in _TEMPLATES:
        if group:
            groups.setdefault(group, []).append("t:" + key)
    for labs in groups.values():
        for a in range(len(labs)):
            for b in range(a + 1, len(labs)):
                xa, xb = by_label.get(labs[a], []), by_label.get(labs[b], [])
                for _ in range(min(50, len(xa), len(xb))):
                    ds.hard_pairs.append((rng.choice(xa), rng.choice(xb)))
    return ds
