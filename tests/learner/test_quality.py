"""tpmkit.quality: ISO/IEC 25010:2023's nine characteristics and the OWASP Top 10:2021 as data, names
matched loosely, and one-line KitErrors for old, unknown or other-edition names."""

from __future__ import annotations

import pytest

from tpmkit import quality
from tpmkit.errors import KitError


def one_line_error(call, *args) -> str:
    with pytest.raises(KitError) as info:
        call(*args)
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")
    return message


def test_nine_characteristics_with_the_2023_names():
    assert len(quality.CHARACTERISTICS) == len(set(quality.CHARACTERISTICS)) == 9
    assert {"interaction capability", "flexibility", "safety"} <= set(quality.CHARACTERISTICS)
    assert {"usability", "portability"}.isdisjoint(quality.CHARACTERISTICS)
    assert set(quality.RENAMED_IN_2023.values()) <= set(quality.CHARACTERISTICS)


@pytest.mark.parametrize(("given", "canonical"), [
    ("reliability", "reliability"), ("Performance Efficiency", "performance efficiency"),
    ("  interaction   capability ", "interaction capability"), ("functional-suitability", "functional suitability"),
    ("SAFETY", "safety"),
])
def test_characteristic_names_are_matched_loosely(given, canonical):
    assert quality.characteristic(given) == canonical


@pytest.mark.parametrize(("old", "new"), [("Usability", "interaction capability"), ("portability", "flexibility")])
def test_2011_names_are_refused_with_the_2023_name(old, new):
    message = one_line_error(quality.characteristic, old)
    assert "2011" in message and new in message


@pytest.mark.parametrize("bad", ["scalability", "speed", ""])
def test_unknown_characteristic_lists_the_nine(bad):
    message = one_line_error(quality.characteristic, bad)
    assert all(name in message for name in quality.CHARACTERISTICS)


def test_characteristic_needs_text():
    assert "text" in one_line_error(quality.characteristic, 3)


def test_quality_model_has_a_row_per_characteristic():
    model = quality.quality_model()
    assert list(model["characteristic"]) == list(quality.CHARACTERISTICS)
    assert list(model.columns) == ["characteristic", "sub-characteristics", "asks", "2011 name", "a Tillpoint NFR"]
    old = dict(zip(model["characteristic"], model["2011 name"], strict=True))
    assert old["interaction capability"] == "usability" and old["flexibility"] == "portability"
    assert "new" in old["safety"]
    subs = dict(zip(model["characteristic"], model["sub-characteristics"], strict=True))
    assert "scalability" in subs["flexibility"] and "faultlessness" in subs["reliability"]
    assert "resistance" in subs["security"] and "availability" in subs["reliability"]


def test_owasp_2021_has_ten_categories_in_order():
    assert quality.OWASP_EDITION == "2021"
    assert list(quality.OWASP_TOP_10) == [f"A{n:02d}" for n in range(1, 11)]
    assert quality.OWASP_TOP_10["A01"] == "Broken Access Control"
    assert quality.OWASP_TOP_10["A10"] == "Server-Side Request Forgery"


@pytest.mark.parametrize(("given", "code"), [
    ("A03", "A03"), ("a3", "A03"), ("A7", "A07"), ("A10", "A10"), (" A01:2021 ", "A01"), ("a05_2021", "A05"),
    ("Injection", "A03"), ("broken access control", "A01"), ("server side request forgery", "A10"),
    ("Identification and Authentication Failures", "A07"),
])
def test_owasp_category_from_a_code_or_a_name(given, code):
    assert quality.owasp_category(given) == code


def test_a_code_from_another_edition_is_refused():
    message = one_line_error(quality.owasp_category, "A03:2025")
    assert "2025" in message and "2021" in message


@pytest.mark.parametrize("bad", ["A11", "A00", "SQL injection", "XSS", ""])
def test_unknown_owasp_category_says_what_to_use(bad):
    assert "A01 to A10" in one_line_error(quality.owasp_category, bad)


def test_owasp_category_needs_text():
    assert "text" in one_line_error(quality.owasp_category, 3)


def test_owasp_table_has_a_row_per_category():
    table = quality.owasp_table()
    assert list(table["code"]) == [f"{code}:2021" for code in quality.OWASP_TOP_10]
    assert list(table["category"]) == list(quality.OWASP_TOP_10.values())
    assert table["what goes wrong"].str.len().min() > 20 and table["a Tillpoint example"].str.len().min() > 20


def test_safety_is_iso_25010_2023s_safety_not_business_risk():
    # ISO/IEC 25010:2023, 3.9: the product avoids a state in which human life, health, property or the
    # environment is endangered. Fraud and lost money are security questions.
    row = quality.quality_model().set_index("characteristic").loc["safety"]
    assert "human life, health, property or the environment" in row["asks"]
    assert "business" not in row["asks"] and "fraud" not in row["a Tillpoint NFR"].lower()
