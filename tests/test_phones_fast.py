"""The fast path for canonical E.164 numbers agrees with libphonenumber's full reading.

`bot.phones.E164Shapes` remembers libphonenumber's verdict per shape (country code, length,
first four national digits) and answers later numbers of an accepted shape without it. The
property: for any two canonical numbers of one shape, reading the second from the cache
that the first taught gives what the full reading gives.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from bot.phones import (
    SHAPES,
    E164Shapes,
    InvalidNumber,
    match_key,
    parse_any,
    parse_human,
    parse_human_uncached,
)

CODES = sorted(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
# Codes with rules of their own: WhatsApp variants (55, 52, 54), trunk prefixes read from
# each number (54, 55, 81, 86, 261) or from the shape (7, 44, 49, 375, 598), NANPA.
FOCUS = ["7", "1", "55", "52", "54", "44", "49", "81", "86", "261", "375", "598", "39", "91"]


def _examples() -> list[str]:
    """libphonenumber's example numbers, for realistic leading digits."""
    out = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                out.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return sorted(out)


EXAMPLES = _examples()
DIGITS = "0123456789"


@st.composite
def shape_twins(draw: st.DrawFn) -> tuple[str, str]:
    """Two canonical-looking numbers with the same country code, length and first four
    national digits; lengths include impossible ones."""
    if draw(st.booleans()):
        example = draw(st.sampled_from(EXAMPLES))
        code = str(phonenumbers.parse(example).country_code)
        national = example[1 + len(code) :]
        size = len(national) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        head = national[: min(4, size)]
    else:
        code = draw(st.one_of(st.sampled_from(FOCUS), st.sampled_from(CODES)))
        size = draw(st.integers(1, 15 - len(code)))
        head = draw(st.text(DIGITS, min_size=min(4, size), max_size=min(4, size)))
    size = max(size, 7 - len(code), len(head))
    size = min(size, 15 - len(code))
    head = head[:size]
    tails = st.text(DIGITS, min_size=size - len(head), max_size=size - len(head))
    return f"+{code}{head}{draw(tails)}", f"+{code}{head}{draw(tails)}"


def reading(parse: Any, text: str) -> str | tuple[str, str]:
    """What a parse gives: the number, or the error and its message."""
    try:
        return str(parse(text, "RU"))
    except InvalidNumber as exc:
        return ("invalid", str(exc))


@given(shape_twins())
@settings(max_examples=600, deadline=None)
def test_a_shape_taught_by_one_number_reads_its_twin_like_libphonenumber(
    twins: tuple[str, str],
) -> None:
    first, second = twins
    shapes = E164Shapes()
    assert reading(shapes.parse, first) == reading(parse_human_uncached, first)
    assert reading(shapes.parse, second) == reading(parse_human_uncached, second)
    key = shapes.known_match_key(second)
    if key is not None:
        assert parse_human_uncached(second, "RU") == second
        assert key == match_key(second)


@pytest.mark.parametrize(
    ("teacher", "number", "expected", "fast"),
    [
        pytest.param("+79990000001", "+79991234567", "+79991234567", True, id="ru-mobile"),
        pytest.param("+78120000000", "+78121234567", "+78121234567", False, id="ru-trunk-8"),
        pytest.param("+16505550000", "+16505551234", "+16505551234", True, id="us"),
        pytest.param("+11005550000", "+11005551234", "+11005551234", False, id="us-trunk-1"),
        pytest.param("+5511987650000", "+5511987654321", "+5511987654321", True, id="br-9"),
        pytest.param("+551187650000", "+551187654321", "+551187654321", True, id="br-no-9"),
        pytest.param("+5215512340000", "+5215512345678", "+5215512345678", True, id="mx-521"),
        pytest.param("+5491123450000", "+5491123456789", "+5491123456789", True, id="ar-549"),
        pytest.param("+541115230000", "+541115234567", "+541115234567", False, id="ar-11-15"),
        pytest.param("+5411152340000", "+5411152345678", "+549112345678", False, id="ar-15-1"),
        pytest.param("+4402079460000", "+4402079460958", "+442079460958", False, id="uk-trunk-0"),
        pytest.param("+447700900000", "+447700900123", "+447700900123", True, id="uk-mobile"),
        pytest.param("+7999123", "+7999456", None, False, id="too-short"),
        pytest.param("+7999123456780", "+7999123456789", None, False, id="wrong-length"),
        pytest.param("+99912345678", "+99912345679", None, False, id="unknown-code"),
    ],
)
def test_known_shapes(teacher: str, number: str, expected: str | None, fast: bool) -> None:
    shapes = E164Shapes()
    assert reading(shapes.parse, teacher) == reading(parse_human_uncached, teacher)
    if expected is None:
        with pytest.raises(InvalidNumber):
            shapes.parse(number, "RU")
    else:
        assert shapes.parse(number, "RU") == expected
    assert (shapes.known_match_key(number) is not None) is fast
    assert reading(shapes.parse, number) == reading(parse_human_uncached, number)


def test_a_known_shape_does_not_ask_libphonenumber(monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = E164Shapes()
    assert shapes.parse("+79990000001", "RU") == "+79990000001"
    assert shapes.parse("+5511987650000", "RU") == "+5511987650000"

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("libphonenumber was asked")

    monkeypatch.setattr(phonenumbers, "parse", refuse)
    numbers = [f"+7999{i:07d}" for i in range(1_000)]
    assert [shapes.parse(n, "RU") for n in numbers] == numbers
    assert [shapes.known_match_key(n) for n in numbers] == numbers
    assert shapes.known_match_key("+5511987654321") == "+551187654321"
    with pytest.raises(AssertionError, match="asked"):
        shapes.parse("+4915112345678", "RU")  # a shape not seen yet


def test_the_cache_is_bounded() -> None:
    shapes = E164Shapes(max_shapes=10)
    numbers = [f"+7{900 + i}1234567" for i in range(60)]
    assert [shapes.parse(n, "RU") for n in numbers] == numbers
    assert 0 < len(shapes) <= 10


def test_the_default_region_is_still_checked() -> None:
    assert parse_human("+79991234567", "RU") == "+79991234567"
    assert SHAPES.known_match_key("+79991234567") == "+79991234567"
    assert parse_human("+79991234567", "ru") == "+79991234567"
    with pytest.raises(ValueError, match="region"):
        parse_human("+79991234567", "XX")


@pytest.mark.parametrize(
    "text", [" +79991234567 ", "+7 999 123 45 67", "\uff0b79991234567", "+٧٩٩٩١٢٣٤٥٦٧"]
)
def test_other_spellings_take_the_full_path_and_agree(text: str) -> None:
    assert SHAPES.known_match_key(text) is None
    assert parse_human(text, "RU") == parse_human_uncached(text, "RU") == "+79991234567"
    assert parse_any(text, "RU") == ("phone", "+79991234567")
