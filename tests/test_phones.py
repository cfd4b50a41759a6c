"""Tests for bot.phones: parsing, WhatsApp match keys and business-scoped user ids."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from bot.phones import (
    BSUID_PATTERN,
    InvalidNumber,
    from_wa_id,
    is_user_id,
    match_key,
    parse_any,
    parse_human,
    variants,
)

REGIONS = ("RU", "US", "GB", "DE", "BR", "MX", "AR", "IN", "KZ", "UA", "TR")

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


# --------------------------------------------------------------------------- parse_human

HUMAN_FORMS = [
    pytest.param("+7 (999) 123-45-67", "RU", "+79991234567", id="ru-intl-formatted"),
    pytest.param("79991234567", "RU", "+79991234567", id="ru-bare-with-cc"),
    pytest.param("8 999 123 45 67", "RU", "+79991234567", id="ru-trunk-8-spaces"),
    pytest.param("8(999)1234567", "RU", "+79991234567", id="ru-trunk-8-parens"),
    pytest.param("9991234567", "RU", "+79991234567", id="ru-national-no-trunk"),
    pytest.param("tel:+79991234567", "US", "+79991234567", id="ru-tel-uri"),
    pytest.param("TEL: +7 999 123 45 67", "US", "+79991234567", id="ru-tel-uri-upper"),
    pytest.param("\u00a0 +7\u00a0999\u00a0123-45-67 \t\n", "RU", "+79991234567", id="ru-nbsp-junk"),
    pytest.param(
        "\u202a+7 999 123\u201145\u201167\u202c", "RU", "+79991234567", id="ru-bidi-marks"
    ),
    pytest.param("+7.999.123.45.67", "RU", "+79991234567", id="ru-dots"),
    pytest.param("+7 8 999 123 45 67", "RU", "+79991234567", id="ru-intl-with-stray-trunk"),
    pytest.param("＋7 999 123 45 67", "RU", "+79991234567", id="ru-fullwidth-plus"),
    pytest.param("+1 650-555-1234", "RU", "+16505551234", id="us-intl"),
    pytest.param("(650) 555-1234", "US", "+16505551234", id="us-national"),
    pytest.param("1 650 555 1234", "US", "+16505551234", id="us-trunk-1"),
    pytest.param("011 44 20 7946 0958", "US", "+442079460958", id="us-idd-to-uk"),
    pytest.param("+1 555 010 0001", "RU", "+15550100001", id="us-meta-test-number"),
    pytest.param("00 44 20 7946 0958", "RU", "+442079460958", id="uk-00-prefix"),
    pytest.param("020 7946 0958", "GB", "+442079460958", id="uk-national"),
    pytest.param("+44 (0)20 7946 0958", "US", "+442079460958", id="uk-intl-with-0"),
    pytest.param("07700 900123", "GB", "+447700900123", id="uk-mobile"),
    pytest.param("0151 12345678", "DE", "+4915112345678", id="de-mobile-national"),
    pytest.param("4915112345678", "RU", "+4915112345678", id="de-bare-intl-from-ru"),
    pytest.param("+49 (0)30 1234567", "RU", "+49301234567", id="de-intl-with-0"),
    pytest.param("0049 30/1234567", "TR", "+49301234567", id="de-00-slash"),
    pytest.param("(11) 98765-4321", "BR", "+5511987654321", id="br-mobile-national"),
    pytest.param("+55 61 9 8123-4567", "RU", "+5561981234567", id="br-mobile-intl"),
    pytest.param("+55 11 2345-6789", "US", "+551123456789", id="br-landline-intl"),
    pytest.param("55 1234 5678", "MX", "+525512345678", id="mx-national"),
    pytest.param("+52 55 1234 5678", "RU", "+525512345678", id="mx-intl"),
    pytest.param("+52 1 55 1234 5678", "RU", "+5215512345678", id="mx-whatsapp-521"),
    pytest.param("5215512345678", "RU", "+5215512345678", id="mx-bare-wa-id"),
    pytest.param("011 15 2345-6789", "AR", "+5491123456789", id="ar-mobile-national-15"),
    pytest.param("+54 9 11 2345-6789", "RU", "+5491123456789", id="ar-mobile-intl"),
    pytest.param("+54 11 2345-6789", "RU", "+541123456789", id="ar-dialled"),
    pytest.param("+91 98765 43210", "RU", "+919876543210", id="in-intl"),
    pytest.param("098765 43210", "IN", "+919876543210", id="in-national-trunk"),
    pytest.param("9876543210", "IN", "+919876543210", id="in-national"),
    pytest.param("+7 701 123 45 67", "RU", "+77011234567", id="kz-intl"),
    pytest.param("8 (701) 123-45-67", "KZ", "+77011234567", id="kz-trunk-8"),
    pytest.param("8 701 123 45 67", "RU", "+77011234567", id="kz-from-ru-region"),
    pytest.param("+380 44 123 4567", "RU", "+380441234567", id="ua-intl"),
    pytest.param("050 123 45 67", "UA", "+380501234567", id="ua-mobile-national"),
    pytest.param("+90 532 123 45 67", "RU", "+905321234567", id="tr-intl"),
    pytest.param("0532 123 45 67", "TR", "+905321234567", id="tr-mobile-national"),
    pytest.param("٠٥٣٢ ١٢٣ ٤٥ ٦٧", "TR", "+905321234567", id="tr-arabic-indic-digits"),
    pytest.param("8 999 123 45 67", "ru", "+79991234567", id="lowercase-region"),
]


@pytest.mark.parametrize(("text", "region", "expected"), HUMAN_FORMS)
def test_parse_human_accepts(text: str, region: str, expected: str) -> None:
    assert parse_human(text, region) == expected


REJECTS = [
    pytest.param("", "RU", "empty", id="empty"),
    pytest.param("   \u00a0 ", "RU", "empty", id="whitespace-only"),
    pytest.param("abc", "RU", "letters", id="letters"),
    pytest.param("call me", "RU", "letters", id="words"),
    pytest.param("1-800-FLOWERS", "US", "letters", id="vanity-letters"),
    pytest.param("text 8 999 123 45 67", "RU", "letters", id="word-with-ext-inside"),
    pytest.param("12", "RU", "too short", id="two-digits"),
    pytest.param("+7 999", "RU", "too short", id="cc-plus-three"),
    pytest.param("+", "RU", "no digits", id="plus-only"),
    pytest.param("()-.", "RU", "no digits", id="punctuation-only"),
    pytest.param("12345678901234567890", "RU", "too long", id="twenty-digits"),
    pytest.param("+7 999 123 45 67 89", "RU", "wrong number of digits", id="ru-too-many-digits"),
    pytest.param("8 999 123 45 67 ext 5", "RU", "extension", id="ext-word"),
    pytest.param("8 999 123 45 67 x5", "RU", "extension", id="ext-x"),
    pytest.param("+1 650 555 1234 #12", "US", "extension", id="ext-hash"),
    pytest.param("tel:+16505551234;ext=12", "US", "extension", id="ext-tel-uri"),
    pytest.param("8 999 123 45 67 доб. 5", "RU", "extension", id="ext-russian"),
    pytest.param("+7 999 123 45 67, +7 999 765 43 21", "RU", "characters", id="two-numbers"),
    pytest.param("+7+999 123 45 67", "RU", "may only come before", id="second-plus"),
    pytest.param("7 +999 123 45 67", "RU", "may only come before", id="plus-after-digit"),
    pytest.param("555 1234", "US", "area code", id="local-only"),
    pytest.param("+999 123456789", "RU", "country", id="unknown-country-code"),
    pytest.param("+0 999 123 45 67", "RU", "country", id="zero-country-code"),
    pytest.param("+52 044 55 1234 5678", "RU", "too long", id="mx-obsolete-044"),
    pytest.param("7" * 40 + " " * 40 + "1", "RU", "too long", id="overlong-input"),
]


@pytest.mark.parametrize(("text", "region", "why"), REJECTS)
def test_parse_human_rejects(text: str, region: str, why: str) -> None:
    with pytest.raises(InvalidNumber, match=why) as info:
        parse_human(text, region)
    message = str(info.value)
    assert message
    digits = _digits(text)
    if digits:
        assert digits not in message
    assert not any(ch.isdigit() for ch in message)


def test_invalid_number_is_value_error() -> None:
    with pytest.raises(ValueError, match="letters"):
        parse_human("abc", "RU")


@pytest.mark.parametrize("region", ["XX", "", "RUS", "001"])
def test_unknown_region_is_a_configuration_error(region: str) -> None:
    with pytest.raises(ValueError, match="region") as info:
        parse_human("8 999 123 45 67", region)
    assert not isinstance(info.value, InvalidNumber)


# --------------------------------------------------------------------------- from_wa_id

WA_IDS = [
    pytest.param("15550783881", "+15550783881", id="meta-test-number"),
    pytest.param("15550100001", "+15550100001", id="meta-test-number-2"),
    pytest.param("79991234567", "+79991234567", id="ru"),
    pytest.param("5511987654321", "+5511987654321", id="br-with-nine"),
    pytest.param("551187654321", "+551187654321", id="br-without-nine"),
    pytest.param("5215512345678", "+5215512345678", id="mx-521"),
    pytest.param("5491123456789", "+5491123456789", id="ar-549"),
    pytest.param("+79991234567", "+79991234567", id="leading-plus"),
    pytest.param("  447700900123\n", "+447700900123", id="surrounding-whitespace"),
    pytest.param("123456", "+123456", id="six-digits"),
    pytest.param("123456789012345", "+123456789012345", id="fifteen-digits"),
]


@pytest.mark.parametrize(("wa_id", "expected"), WA_IDS)
def test_from_wa_id_accepts(wa_id: str, expected: str) -> None:
    assert from_wa_id(wa_id) == expected


BAD_WA_IDS = [
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("+", id="plus-only"),
    pytest.param("12345", id="five-digits"),
    pytest.param("1234567890123456", id="sixteen-digits"),
    pytest.param("7999abc4567", id="letters"),
    pytest.param("+7 999 123 45 67", id="inner-spaces"),
    pytest.param("7-999-123-45-67", id="dashes"),
    pytest.param("++79991234567", id="double-plus"),
    pytest.param("-79991234567", id="minus"),
    pytest.param("٧٩٩٩١٢٣٤٥٦٧", id="non-ascii-digits"),
    pytest.param("US.13491208655302741918", id="bsuid"),
]


@pytest.mark.parametrize("wa_id", BAD_WA_IDS)
def test_from_wa_id_rejects(wa_id: str) -> None:
    with pytest.raises(InvalidNumber) as info:
        from_wa_id(wa_id)
    assert not any(ch.isdigit() for ch in str(info.value))


@given(st.text(alphabet="0123456789", min_size=6, max_size=15))
@PROPERTY_SETTINGS
def test_from_wa_id_accepts_any_plausible_digits(digits: str) -> None:
    assert from_wa_id(digits) == "+" + digits
    assert from_wa_id("+" + digits) == "+" + digits


# --------------------------------------------------------------------------- match_key

MATCH_KEYS = [
    pytest.param("+5511987654321", "+551187654321", id="br-sp-with-nine"),
    pytest.param("+551187654321", "+551187654321", id="br-sp-without-nine"),
    pytest.param("+5561981234567", "+556181234567", id="br-df-with-nine"),
    pytest.param("+556181234567", "+556181234567", id="br-df-without-nine"),
    pytest.param("+5571991234567", "+557191234567", id="br-ba-with-nine"),
    pytest.param("+5521961234567", "+552161234567", id="br-rj-sub-starts-6"),
    pytest.param("+551123456789", "+551123456789", id="br-landline-12"),
    pytest.param("+5511923456789", "+5511923456789", id="br-nine-then-landline-digit"),
    pytest.param("+5215512345678", "+525512345678", id="mx-521"),
    pytest.param("+525512345678", "+525512345678", id="mx-12-digit-stays"),
    pytest.param("+5491123456789", "+541123456789", id="ar-549"),
    pytest.param("+541123456789", "+541123456789", id="ar-dialled-stays"),
    pytest.param("+16505551234", "+16505551234", id="us"),
    pytest.param("+15550783881", "+15550783881", id="us-meta-test"),
    pytest.param("+79991234567", "+79991234567", id="ru"),
    pytest.param("+77011234567", "+77011234567", id="kz"),
    pytest.param("+447700900123", "+447700900123", id="uk"),
]


@pytest.mark.parametrize(("e164", "key"), MATCH_KEYS)
def test_match_key(e164: str, key: str) -> None:
    assert match_key(e164) == key
    assert match_key(key) == key


VARIANTS = [
    pytest.param("+5511987654321", ("+5511987654321", "+551187654321"), id="br-with-nine"),
    pytest.param("+551187654321", ("+551187654321", "+5511987654321"), id="br-without-nine"),
    pytest.param("+5561981234567", ("+5561981234567", "+556181234567"), id="br-df-with-nine"),
    pytest.param("+557191234567", ("+557191234567", "+5571991234567"), id="br-ba-without-nine"),
    pytest.param("+551123456789", ("+551123456789",), id="br-landline-not-merged"),
    pytest.param("+5511923456789", ("+5511923456789",), id="br-nine-then-landline-digit"),
    pytest.param("+5215512345678", ("+5215512345678", "+525512345678"), id="mx-521"),
    pytest.param("+525512345678", ("+525512345678", "+5215512345678"), id="mx-52"),
    pytest.param("+5491123456789", ("+5491123456789", "+541123456789"), id="ar-549"),
    pytest.param("+541123456789", ("+541123456789", "+5491123456789"), id="ar-54"),
    pytest.param("+16505551234", ("+16505551234",), id="us"),
    pytest.param("+79991234567", ("+79991234567",), id="ru"),
    pytest.param("+4915112345678", ("+4915112345678",), id="de"),
]


@pytest.mark.parametrize(("e164", "expected"), VARIANTS)
def test_variants(e164: str, expected: tuple[str, ...]) -> None:
    assert variants(e164) == expected


@pytest.mark.parametrize("bad", ["", "79991234567", "+", "+7 999 123 45 67", "+1234567890123456"])
def test_match_key_and_variants_reject_non_e164(bad: str) -> None:
    with pytest.raises(InvalidNumber):
        match_key(bad)
    with pytest.raises(InvalidNumber):
        variants(bad)


PREFIXES = ("55", "5511", "55119", "5561", "556196", "52", "521", "54", "549", "1", "7", "44", "")


@st.composite
def e164_numbers(draw: st.DrawFn) -> str:
    """E.164 strings biased towards the prefixes where WhatsApp forms diverge."""
    prefix = draw(st.sampled_from(PREFIXES))
    total = draw(st.integers(min_value=max(6, len(prefix)), max_value=15))
    rest = draw(st.text(alphabet="0123456789", min_size=total - len(prefix), max_size=15))
    return "+" + (prefix + rest)[:total]


@given(e164_numbers())
@PROPERTY_SETTINGS
def test_match_key_is_idempotent(e164: str) -> None:
    key = match_key(e164)
    assert match_key(key) == key
    assert key.startswith("+")
    assert len(key) <= len(e164)


@given(e164_numbers())
@PROPERTY_SETTINGS
def test_variants_share_the_key(e164: str) -> None:
    forms = variants(e164)
    assert forms[0] == e164
    assert len(set(forms)) == len(forms)
    assert match_key(e164) in forms
    key = match_key(e164)
    for form in forms:
        assert match_key(form) == key
        assert variants(form)[0] == form
        assert set(variants(form)) == set(forms)


# --------------------------------------------------------------------------- round trip


@given(e164_numbers(), st.sampled_from(REGIONS))
@PROPERTY_SETTINGS
def test_parse_human_round_trips_e164(e164: str, region: str) -> None:
    """An accepted E.164 string comes back unchanged, except a repaired trunk prefix.

    The only rewrite allowed is dropping a national trunk prefix written after
    the country code ("+44 0 20 …", "+54 11 15 …"), which shortens the number;
    the result is then a fixed point.
    """
    try:
        parsed = parse_human(e164, region)
    except InvalidNumber:
        return
    assert parsed == e164 or len(parsed) < len(e164)
    for other in REGIONS:
        assert parse_human(parsed, other) == parsed
    assert match_key(parsed) in variants(parsed)


@given(
    st.sampled_from(["+7", "+1", "+55", "+52", "+54", "+44", "+49", "+91", "+380", "+90"]),
    st.text(alphabet="0123456789", min_size=4, max_size=12),
    st.sampled_from(REGIONS),
)
@PROPERTY_SETTINGS
def test_parse_human_accepted_is_fixed_point(cc: str, rest: str, region: str) -> None:
    """Whatever parse_human returns parses to itself from any region and with punctuation."""
    try:
        parsed = parse_human(cc + rest, region)
    except InvalidNumber:
        return
    assert parse_human(parsed, region) == parsed
    spaced = " ".join([parsed[: len(cc)], parsed[len(cc) :]])
    assert parse_human(f" tel:{spaced}\u00a0", region) == parsed
    assert parse_human("00" + parsed[1:], region) == parsed


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(region, E.164) for numbers libphonenumber calls valid, built from its examples."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        reject()
    national = phonenumbers.national_significant_number(example)
    tail = draw(st.text(alphabet="0123456789", min_size=1, max_size=4))
    candidate = f"+{example.country_code}{national[: -len(tail)]}{tail}"
    assume(phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)))
    return region, candidate


@given(
    valid_numbers(),
    st.sampled_from(
        [
            phonenumbers.PhoneNumberFormat.E164,
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            phonenumbers.PhoneNumberFormat.NATIONAL,
            phonenumbers.PhoneNumberFormat.RFC3966,
        ]
    ),
)
@PROPERTY_SETTINGS
def test_real_numbers_round_trip_through_display_formats(
    number: tuple[str, str], number_format: int
) -> None:
    """A valid number, written the way libphonenumber displays it, reads back as itself."""
    region, e164 = number
    assert parse_human(e164, region) == e164
    text = phonenumbers.format_number(phonenumbers.parse(e164, None), number_format)
    assert parse_human(text, region) == e164


# --------------------------------------------------------------------------- user ids

USER_IDS = [
    pytest.param("US.13491208655302741918", True, id="us"),
    pytest.param("RU.10000000000000000002", True, id="ru"),
    pytest.param("BR.aBc123", True, id="alphanumeric"),
    pytest.param("  DE.1  ", True, id="surrounding-whitespace"),
    pytest.param("US." + "1" * 128, True, id="max-length"),
    pytest.param("US." + "1" * 129, False, id="too-long"),
    pytest.param("US.", False, id="empty-id"),
    pytest.param("us.123", False, id="lowercase-country"),
    pytest.param("USA.123", False, id="three-letter-country"),
    pytest.param("U1.123", False, id="digit-in-country"),
    pytest.param("US.12-34", False, id="dash"),
    pytest.param("US.12 34", False, id="inner-space"),
    pytest.param("US.12\n", True, id="trailing-newline-stripped"),
    pytest.param("+79991234567", False, id="phone"),
    pytest.param("79991234567", False, id="wa-id"),
    pytest.param("", False, id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), USER_IDS)
def test_is_user_id(text: str, expected: bool) -> None:
    assert is_user_id(text) is expected


def test_bsuid_pattern_is_anchored() -> None:
    assert BSUID_PATTERN.match("US.123 and more") is None
    assert BSUID_PATTERN.search("x US.123") is None
    assert BSUID_PATTERN.match("US.123\n") is None
    assert BSUID_PATTERN.match("US.123") is not None


PARSE_ANY = [
    pytest.param(
        "US.13491208655302741918", "RU", ("user_id", "US.13491208655302741918"), id="bsuid"
    ),
    pytest.param(
        " RU.10000000000000000002\n", "US", ("user_id", "RU.10000000000000000002"), id="bsuid-ws"
    ),
    pytest.param("8 999 123 45 67", "RU", ("phone", "+79991234567"), id="ru-national"),
    pytest.param("+1 650-555-1234", "RU", ("phone", "+16505551234"), id="us-intl"),
    pytest.param("tel:+79991234567", "US", ("phone", "+79991234567"), id="tel-uri"),
    pytest.param("15550783881", "US", ("phone", "+15550783881"), id="meta-test-wa-id"),
]


@pytest.mark.parametrize(("text", "region", "expected"), PARSE_ANY)
def test_parse_any(text: str, region: str, expected: tuple[str, str]) -> None:
    assert parse_any(text, region) == expected


PARSE_ANY_REJECTS = [
    pytest.param("US.12-34", "user id", id="malformed-bsuid"),
    pytest.param("us.1234", "user id", id="lowercase-bsuid"),
    pytest.param("hello", "letters", id="word"),
    pytest.param("", "empty", id="empty"),
    pytest.param("+7 999", "too short", id="short-phone"),
]


@pytest.mark.parametrize(("text", "why"), PARSE_ANY_REJECTS)
def test_parse_any_rejects(text: str, why: str) -> None:
    with pytest.raises(InvalidNumber, match=why) as info:
        parse_any(text, "RU")
    assert not any(ch.isdigit() for ch in str(info.value))
