import pytest

from delivery.refs import BuildingRef, parse_building_ref, split_query


@pytest.mark.parametrize(
    "text, ref",
    [
        ("3幢2单元", BuildingRef("3", 2)),
        ("3栋", BuildingRef("3", None)),
        ("12号楼", BuildingRef("12", None)),
        ("三幢", BuildingRef("3", None)),
        ("十二幢三单元", BuildingRef("12", 3)),
        ("3-2", BuildingRef("3", 2)),
        ("A座", BuildingRef("A", None)),
        (" 7 ", BuildingRef("7", None)),
    ],
)
def test_building_refs_riders_type(text, ref):
    assert parse_building_ref(text) == ref


@pytest.mark.parametrize("text", ["三号半", "x3", "", "0幢", "3幢0单元", "东门"])
def test_a_building_number_that_does_not_parse_is_refused_in_plain_words(text):
    with pytest.raises(ValueError) as raised:
        parse_building_ref(text)
    assert str(raised.value) == (f"“{text.strip()}”不是能识别的楼号，请写成 3、3幢、12号楼 或 3幢2单元。")


@pytest.mark.parametrize(
    "query, words, ref",
    [
        ("紫金港某小区 3幢", "紫金港某小区", BuildingRef("3")),
        ("紫金港花园3幢2单元", "紫金港花园", BuildingRef("3", 2)),
        ("西溪诚园 5-2", "西溪诚园", BuildingRef("5", 2)),
        ("龙湖天街", "龙湖天街", None),
        ("2号门 新村", "2号门 新村", None),
        ("颐和山庄A座", "颐和山庄", BuildingRef("A")),
    ],
)
def test_split_query_finds_the_building_in_a_search(query, words, ref):
    assert split_query(query) == (words, ref)
