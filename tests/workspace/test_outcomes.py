"""What a volunteer is told about each entry: pure rules, no database."""

from liaison.workspace.outcomes import channel_items, describe_entry, labelled, screening_items


def test_unscreened_entry_may_still_be_corrected() -> None:
    o = describe_entry("unscreened")
    assert (o.label, o.steps, o.editable) == ("待整理", (), True)
    assert o.text == "待整理"


def test_kept_entry_merged_and_sent_up() -> None:
    o = describe_entry("kept", point_size=4, packet_version=2)
    assert o.text == "已保留；与其他 3 条意见归并为一条；已纳入第 2 版意见汇总"
    assert not o.editable


def test_unscreened_entries_go_into_packets_too() -> None:
    o = describe_entry("unscreened", packet_version=1)
    assert o.steps == ("已纳入第 1 版意见汇总",) and o.editable


def test_set_aside_entry_is_never_reported_as_merged_or_sent() -> None:
    o = describe_entry("set_aside", set_aside_reason="duplicate_entry", point_size=3, packet_version=1)
    assert o.text == "未纳入汇总（重复录入）" and not o.editable
    assert describe_entry("set_aside", set_aside_reason="").text == "未纳入汇总"


def test_a_point_of_one_is_not_a_merge() -> None:
    assert describe_entry("kept", point_size=1).steps == ()


def test_screening_items_fixed_order_with_zeros() -> None:
    assert screening_items({"set_aside": 2, "kept": 5}) == [("待整理", 0), ("已保留", 5), ("未纳入汇总", 2)]


def test_labels_merge_and_sort() -> None:
    assert channel_items({"online": 2, "hotline": 5, "symposium": 2}) == [("电话", 5), ("座谈会", 2), ("网上征求意见", 2)]
    assert labelled({None: 1, "x": 1}, {"x": "甲"}, none_label="无") == [("无", 1), ("甲", 1)]
    assert labelled({"a": 1, "b": 2}, {"a": "同", "b": "同"}) == [("同", 3)]
