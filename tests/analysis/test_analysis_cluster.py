"""Clustering engine: exact/near duplicates, the proposal guard, no chaining, the incremental index."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from liaison.analysis.cluster import NearDuplicateIndex, cluster_texts
from liaison.analysis.minhash import estimate_jaccard, signatures
from liaison.analysis.verify import conflict, proposal

BASE = "建议将牵引绳长度不超过一点五米的规定修改为不超过两米，因为大型犬活动范围较大，过短的牵引绳不利于犬只健康，同时也给养犬人带来不便"


def test_exact_and_near_duplicates_merge() -> None:
    texts = [
        "尊敬的领导：" + BASE + "。谢谢！张三 13812345678",
        BASE,
        BASE.replace("修改为", "改为").replace("较大", "比较大") + "。望采纳",
        "电动自行车不得在楼道内停放充电，物业应当在小区内设置集中充电设施",
        "电动自行车不得在楼道内停放充电，物业应当在小区内设置集中充电设施！！",
    ]
    assert cluster_texts(texts) == [0, 0, 0, 3, 3]


def test_close_but_different_proposals_stay_apart() -> None:
    pairs = [
        ("牵引绳长度不超过1.5米", "牵引绳长度不超过2米"),
        ("我认为重点管理区内应当禁止饲养大型犬", "我认为重点管理区内不应当禁止饲养大型犬"),
        ("禁止饲养大型犬", "不应禁止饲养大型犬"),
        ("我支持每户限养一只犬的规定", "我反对每户限养一只犬的规定"),
        ("建议罚款金额定为200元", "建议罚款金额定为500元"),
    ]
    tail = "，现在很多家庭养狗，噪音和卫生问题影响邻居休息，希望条例通过后能够认真落实，加强执法检查"
    for a, b in pairs:
        assert conflict(proposal(a), proposal(b)), (a, b)
        reps = cluster_texts([a + tail, b + tail])
        assert reps == [0, 1], (a, b)


def test_same_proposal_in_other_words_is_no_conflict() -> None:
    assert not conflict(proposal("牵引绳不超过一点五米"), proposal("牵引绳不超过1.5米"))
    a = "禁止焚烧秸秆|希望村委会加强巡查"
    b = "最近一个月在村口总有人不遵守规定|禁止焚烧秸秆|希望村委会加强巡查"
    assert not conflict(proposal(a), proposal(b))  # a remark added with its own number and negation


def test_no_chaining() -> None:
    # A ~ B and B ~ C, but A and C are far apart: C must not join A's cluster through B.
    words = "一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    a = "".join(words[i % len(words)] + words[(i * 7) % len(words)] for i in range(60))
    b = a[:70] + "".join(reversed(a[70:]))
    c = b[:20] + "".join(reversed(b[20:]))
    sig = signatures([a, b, c])
    reps = cluster_texts([a, b, c])
    for i, j in ((0, 1), (1, 2), (0, 2)):
        if reps[i] == reps[j]:
            r = reps[i]
            assert estimate_jaccard(sig[i], sig[r]) >= 0.4 and estimate_jaccard(sig[j], sig[r]) >= 0.4
    assert reps[0] == 0


def test_representative_is_earliest_member() -> None:
    texts = ["完全不同的第一条意见内容关于犬只登记", BASE, BASE + "！", "尊敬的领导：" + BASE]
    assert cluster_texts(texts) == [0, 1, 1, 1]


def test_draft_quotes_do_not_make_opinions_alike() -> None:
    quote = "携带犬只出户的，应当为犬只束牵引绳，牵引绳长度不得超过一点五米，并由完全民事行为能力人牵领"
    a = f"草案规定“{quote}”，建议删除这一条"
    b = f"草案规定“{quote}”，我觉得应当区分大型犬和小型犬分别规定"
    assert cluster_texts([a, b]) == [0, 0] or True  # without the draft they may look alike
    assert cluster_texts([a, b], draft_texts=[quote]) == [0, 1]


def test_empty_and_short_texts() -> None:
    assert cluster_texts([]) == []
    assert cluster_texts(["谢谢！", "谢谢", "好", "好"]) == [0, 0, 2, 2]


def test_incremental_index_and_persistence(tmp_path: Path) -> None:
    texts = [
        BASE,
        "电动自行车不得在楼道内停放充电，物业应当在小区内设置集中充电设施",
        "尊敬的领导：" + BASE + "。谢谢！",
        BASE.replace("两米", "三米"),
        BASE.replace("修改为", "改为") + "。李四 13900001111",
    ]
    ix = NearDuplicateIndex()
    got = [ix.add(t) for t in texts]
    assert got == [0, 1, 0, 3, 0]
    assert len(ix) == 5
    path = tmp_path / "index.npz"
    ix.save(path)
    again = NearDuplicateIndex.load(path)
    assert len(again) == 5
    assert again.add(BASE + "！！") == 0
    assert again.add(BASE.replace("两米", "三米") + "。") == 3
    assert again.add("全新的意见关于农村厕所改造问题的看法") == 7
    assert again.rep_of(2) == 0
    assert ix.representatives == [0, 1, 3]


def test_batch_and_incremental_agree_on_simple_cases() -> None:
    texts = [BASE, BASE + "。", "另一条完全不同的意见关于流浪犬收容", BASE.replace("两米", "三米")]
    ix = NearDuplicateIndex()
    assert [ix.add(t) for t in texts] == cluster_texts(texts)
    assert np.array_equal(np.array(cluster_texts(texts)), np.array([0, 0, 2, 3]))


CHAIN_C = "建议在小区和公园里划定专门的遛狗区域，老人和孩子很难躲避突然扑过来的犬只，请相关部门严格执法，加强对养犬人的宣传教育，形成文明养犬的风气"
CHAIN_A = CHAIN_C + "。我们小区里牵引绳长度不超过1.5米的很少见"
CHAIN_B = CHAIN_C + "。我们小区里牵引绳长度不超过2米的很少见"


def test_conflicting_pair_never_meets_in_a_third_cluster(tmp_path: Path) -> None:
    # A ~ C and B ~ C with no conflict (each adds a remark to C), but A and B conflict (1.5米 / 2米):
    # whatever the order, A and B must not end up in one cluster, batch or incremental.
    import itertools

    from liaison.analysis.normalize import normalize_many

    a, b, c = (proposal(t) for t in normalize_many([CHAIN_A, CHAIN_B, CHAIN_C], breaks=True))
    assert conflict(a, b) and not conflict(a, c) and not conflict(b, c)
    for perm in itertools.permutations(range(3)):
        texts = [(CHAIN_A, CHAIN_B, CHAIN_C)[i] for i in perm]
        ia, ib = perm.index(0), perm.index(1)
        batch = cluster_texts(texts)
        ix = NearDuplicateIndex()
        inc = [ix.add(t) for t in texts]
        assert batch[ia] != batch[ib], (perm, batch)
        assert inc[ia] != inc[ib], (perm, inc)
        assert batch[perm.index(2)] in (batch[ia], batch[ib])  # C still joins one of them
    # the members that guard a cluster survive save/load
    ix = NearDuplicateIndex()
    assert [ix.add(CHAIN_C), ix.add(CHAIN_A)] == [0, 0]
    ix.save(tmp_path / "chain.npz")
    again = NearDuplicateIndex.load(tmp_path / "chain.npz")
    assert again.add(CHAIN_B) == 2
    assert again.add(CHAIN_A + "！") == 0


def test_representative_check_is_not_inherited_between_texts_of_one_fingerprint() -> None:
    # B (no numbers or negations, lacks the first clause) joins "反对X" without conflict; X has
    # B's fingerprint but is "反对X" minus 反对, and must not inherit B's verdict
    c = ["我家在山湾社区的楼里住了很多年", "需要多方配合才能解决这个难题", "每天早上在健身区有人专门去劝阻过",
         "去年冬天在楼道口有老人差点被绊倒", "村民环保意识需要提高和加强"]
    a = "反对" + "，".join(c[:4])
    b = "，".join(c[1:5])
    x = "，".join(c[:4])
    reps = cluster_texts([a, b, x])
    assert reps[1] == 0
    assert reps[2] != 0


def test_token_is_shared_only_inside_its_clause() -> None:
    # 全|不 occurs in the other text ("安全|不少"), but not next to 建议: 不建议 is an edit
    a = "我家在桥塘村|周末在停车场孩子们玩耍很不安全|不少邻居都有同感|去年冬天孩子们玩耍很不安全|不建议充电桩安装遮雨棚|老旧电池回收渠道需要畅通"
    b = a.replace("|不建议", "|建议")
    assert conflict(proposal(a), proposal(b)) and conflict(proposal(b), proposal(a))


def test_parallel_steps_give_the_same_clusters(monkeypatch) -> None:
    import sys

    import liaison.analysis.cluster as cluster

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from analysis_data import generate

    ds = generate(3000, seed=5)
    one = cluster_texts(ds.texts, draft_texts=ds.draft_texts, workers=1)
    monkeypatch.setattr(cluster, "_PARALLEL_MIN", 100)  # fork the halves and the component sets
    assert cluster_texts(ds.texts, draft_texts=ds.draft_texts, workers=2) == one


def test_bucket_links_match_a_plain_scan() -> None:
    """The compiled bucket links equal the definition: per band, the earliest row with the same key,
    and the latest earlier one (-1 when none) — for keys spread over the table, keys whose low bits
    are all equal, and keys over the whole 64-bit range."""
    from liaison.analysis.cluster import _first_in_bucket, _previous_in_bucket

    rng = np.random.default_rng(3)
    spread = rng.integers(0, 40, size=(3, 500)).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    low_bits_equal = rng.integers(0, 40, size=(3, 500)).astype(np.uint64) << np.uint64(40)
    full_range = rng.integers(0, 2**63, size=(2, 300), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    full_range[1, ::3] = full_range[0, ::3]  # some repeats across the 64-bit range
    full_range = np.concatenate([full_range, full_range[:, ::-1]], axis=1)
    for keys in (spread, low_bits_equal, full_range, spread[:, :0]):
        first, prev = _first_in_bucket(keys), _previous_in_bucket(keys)
        assert first.shape == prev.shape == (keys.shape[1], keys.shape[0])
        for b in range(keys.shape[0]):
            seen: dict[int, int] = {}
            last: dict[int, int] = {}
            for i, k in enumerate(keys[b].tolist()):
                assert first[i, b] == seen.setdefault(k, i)
                assert prev[i, b] == last.get(k, -1)
                last[k] = i


def test_masked_text_made_on_demand_equals_the_batch_one() -> None:
    """Borderline pairs get their masked text one at a time; masking is per text, so it must equal
    what masking the whole batch gives."""
    import sys

    from liaison.analysis.draftmask import DraftMask
    from liaison.analysis.normalize import normalize_many

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from analysis_data import generate

    ds = generate(600, seed=7)
    mask = DraftMask.from_texts(ds.draft_texts)
    texts = normalize_many(ds.texts)
    batch, _ = mask.mask_many(texts)
    assert sum(a != b for a, b in zip(batch, texts)) > 20  # the set quotes the draft
    assert [mask.mask(t) for t in texts] == batch


def test_clustering_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    assert gc.isenabled()
    cluster_texts([BASE, BASE + "。谢谢"])
    assert gc.isenabled()
    gc.disable()
    try:
        cluster_texts([BASE])
        assert not gc.isenabled()
    finally:
        gc.enable()
