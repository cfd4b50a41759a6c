"""Phone number and WhatsApp user id normalisation.

Everything that identifies a WhatsApp user passes through here before it is
stored or compared:

* numbers from Meta's webhooks (``wa_id``, ``from``, ``recipient_id``) are read
  with :func:`from_wa_id`, which trusts Meta's digits as they are;
* numbers typed by people or exported by CRMs are read with :func:`parse_human`,
  which understands national forms, trunk prefixes and punctuation;
* :func:`match_key` and :func:`variants` bridge the places where the number
  WhatsApp reports differs from the number people dial (Brazil, Mexico,
  Argentina), so an opt-out recorded under one form also covers the other;
* business-scoped user ids ("US.13491208655302741918") are recognised by
  :func:`is_user_id`, and :func:`parse_any` accepts either kind of identifier;
* numbers already in canonical E.164 form skip libphonenumber once a number of
  the same shape has been read (see :class:`E164Shapes`), so bulk lists cost
  a microsecond or two a number instead of tens.

The module is pure: no I/O, no logging. Exception messages never contain the
number being parsed, because callers log them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, ValidationResult

__all__ = [
    "BSUID_PATTERN",
    "KIND_PHONE",
    "KIND_USER_ID",
    "SHAPES",
    "E164Shapes",
    "InvalidNumber",
    "from_wa_id",
    "is_user_id",
    "match_key",
    "parse_any",
    "parse_human",
    "parse_human_uncached",
    "variants",
]


class InvalidNumber(ValueError):
    """A number that cannot be read as a phone number or a business-scoped user id."""


BSUID_PATTERN: Final[re.Pattern[str]] = re.compile(r"\A[A-Z]{2}\.[A-Za-z0-9]{1,128}\Z")
"""A business-scoped user id: ISO 3166 alpha-2 country, a dot, 1..128 ASCII alphanumerics.

The pattern is anchored, so ``match``, ``search`` and ``fullmatch`` all test the whole string.
"""

KIND_PHONE: Final = "phone"
KIND_USER_ID: Final = "user_id"

_WA_ID_RE: Final = re.compile(r"[0-9]{6,15}")
_E164_RE: Final = re.compile(r"\+[0-9]{1,15}")

# Longest input (after trimming surrounding whitespace) worth looking at; real
# numbers with punctuation and a "tel:" prefix stay well under this.
_MAX_INPUT_CHARS: Final = 64
# Below this many digits nothing is a phone number (the shortest national
# numbers, Niue's, have 4), so libphonenumber is not asked.
_MIN_DIGITS: Final = 3
# An international prefix ("810", "011", "00") plus the 15 digits E.164 allows.
_MAX_DIGITS: Final = 18

_TEL_PREFIX_RE: Final = re.compile(r"\Atel:", re.IGNORECASE)
_EXTENSION_RE: Final = re.compile(
    r"(?i)(?<![^\W\d_])(?:ext(?:ension)?|доб(?:авочный)?)(?![^\W\d_])"
    r"|(?<![^\W\d_])x\.?\s*\d|#|;ext="
)
_SEPARATORS: Final = frozenset("-‐‑‒–—−.()/[]")
_PLUS_SIGNS: Final = frozenset("+＋")

_MSG_EMPTY: Final = "empty, not a phone number"
_MSG_LETTERS: Final = "contains letters, not a phone number"
_MSG_EXTENSION: Final = "extensions are not supported"
_MSG_CHARS: Final = "contains characters that are not part of a phone number"
_MSG_PLUS: Final = "a '+' may only come before the first digit"
_MSG_NO_DIGITS: Final = "contains no digits"
_MSG_TOO_SHORT: Final = "too short to be a phone number"
_MSG_TOO_LONG: Final = "too long to be a phone number"
_MSG_COUNTRY: Final = "unknown country calling code"
_MSG_LENGTH: Final = "wrong number of digits for its country"
_MSG_LOCAL: Final = "missing the area code"
_MSG_NOT_A_NUMBER: Final = "not a phone number"
_MSG_WA_ID_DIGITS: Final = "a WhatsApp id must contain only digits"
_MSG_USER_ID: Final = "malformed business-scoped user id"

_REASON_MESSAGES: Final[dict[int, str]] = {
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: _MSG_LOCAL,
    ValidationResult.INVALID_COUNTRY_CODE: _MSG_COUNTRY,
    ValidationResult.TOO_SHORT: _MSG_TOO_SHORT,
    ValidationResult.TOO_LONG: _MSG_TOO_LONG,
    ValidationResult.INVALID_LENGTH: _MSG_LENGTH,
}

_PARSE_ERROR_MESSAGES: Final[dict[int, str]] = {
    NumberParseException.INVALID_COUNTRY_CODE: _MSG_COUNTRY,
    NumberParseException.NOT_A_NUMBER: _MSG_NOT_A_NUMBER,
    NumberParseException.TOO_SHORT_AFTER_IDD: _MSG_TOO_SHORT,
    NumberParseException.TOO_SHORT_NSN: _MSG_TOO_SHORT,
    NumberParseException.TOO_LONG: _MSG_TOO_LONG,
}


# --------------------------------------------------------------------------- wa_id


def from_wa_id(wa_id: str) -> str:
    """Return the E.164 form ("+<digits>") of a number as Meta sends it.

    Meta's ``wa_id``, ``from``, ``recipient_id`` and ``display_phone_number``
    are digits only, country code first. Any 6..15 ASCII digits are accepted,
    including numbers libphonenumber considers invalid (Meta's test numbers
    +1 555 01xx are), because Meta is the authority on what its ids are. A
    leading '+' and surrounding whitespace are tolerated.
    """
    text = wa_id.strip()
    if text.startswith("+"):
        text = text[1:]
    if not text:
        raise InvalidNumber(_MSG_EMPTY)
    if not text.isascii() or not text.isdigit():
        raise InvalidNumber(_MSG_WA_ID_DIGITS)
    if _WA_ID_RE.fullmatch(text) is None:
        raise InvalidNumber(_MSG_TOO_SHORT if len(text) < 6 else _MSG_TOO_LONG)
    return "+" + text


# --------------------------------------------------------------------------- human input


def parse_human(text: str, default_region: str) -> str:
    """Return the E.164 form of a number typed by a person or exported by a CRM.

    The same answer as :func:`parse_human_uncached`, which describes the rules; a
    canonical E.164 number of a shape already read is answered from the shape cache.
    """
    if default_region not in phonenumbers.SUPPORTED_REGIONS:
        _check_region(default_region)
    return SHAPES.parse(text.strip(), default_region)


def parse_human_uncached(text: str, default_region: str) -> str:
    """Return the E.164 form of a number typed by a person or exported by a CRM,
    asking libphonenumber every time (the reference :func:`parse_human` agrees with).

    Accepted: an optional "tel:" prefix; spaces (including NBSP), dashes,
    dots, slashes and parentheses anywhere; invisible formatting marks that
    copying from chat apps adds; any Unicode decimal digits.

    A number starting with '+' or "00" is international. A national trunk
    prefix written after the country code is dropped where libphonenumber
    recognises it ("+44 (0)20 …" → "+4420…", "+7 8 999 …" → "+7999…",
    Argentina's "+54 11 15 …" → "+54 9 11 …"); a canonical E.164 number
    comes back unchanged. Anything else is read as a national number of
    ``default_region``; if that is not possible and the input is 11..15 bare
    digits, it is read as international without the '+' ("4915112345678").

    Acceptance uses libphonenumber's *possible* check (length per country),
    not its validity check, whose ranges lag reality. Numbers possible only
    locally (no area code) are rejected. A Mexican "+521" number, impossible
    under current rules but still how WhatsApp reports Mexican accounts, is
    accepted because its :func:`match_key` form is possible.

    Raises :class:`InvalidNumber` with a short reason that does not repeat
    the input. Raises plain :class:`ValueError` for an unknown
    ``default_region``, which is a configuration error, not bad input.
    """
    region = _check_region(default_region)
    international, digits = _clean(text)
    if international:
        return _accept_international(digits)
    try:
        number = phonenumbers.parse(digits, region)
    except NumberParseException as err:
        raise InvalidNumber(_parse_error_message(err)) from None
    e164, reason = _assess(number)
    if reason is None:
        return e164
    if 11 <= len(digits) <= 15:
        try:
            return _accept_international(digits)
        except InvalidNumber:
            pass
    raise InvalidNumber(reason)


def _check_region(default_region: str) -> str:
    region = default_region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError("unknown default region")
    return region


def _clean(text: str) -> tuple[bool, str]:
    """Reduce human input to (is_international, ASCII digits), or raise InvalidNumber."""
    stripped = text.strip()
    if len(stripped) > _MAX_INPUT_CHARS:
        raise InvalidNumber(_MSG_TOO_LONG)
    stripped = _TEL_PREFIX_RE.sub("", stripped, count=1)
    if any(ch.isalpha() for ch in stripped) or "#" in stripped or ";" in stripped:
        if _EXTENSION_RE.search(stripped):
            raise InvalidNumber(_MSG_EXTENSION)
        if any(ch.isalpha() for ch in stripped):
            raise InvalidNumber(_MSG_LETTERS)
        raise InvalidNumber(_MSG_CHARS)

    plus = False
    digits: list[str] = []
    for ch in stripped:
        if ch.isdecimal():
            digits.append(str(unicodedata.decimal(ch)))
        elif ch in _PLUS_SIGNS:
            if plus or digits:
                raise InvalidNumber(_MSG_PLUS)
            plus = True
        elif ch.isspace() or ch in _SEPARATORS or unicodedata.category(ch) == "Cf":
            continue
        else:
            raise InvalidNumber(_MSG_CHARS)

    if not digits:
        raise InvalidNumber(_MSG_NO_DIGITS if plus or stripped else _MSG_EMPTY)
    joined = "".join(digits)
    if not plus and joined.startswith("00"):
        plus, joined = True, joined[2:]
    if len(joined) < _MIN_DIGITS:
        raise InvalidNumber(_MSG_TOO_SHORT)
    if len(joined) > _MAX_DIGITS:
        raise InvalidNumber(_MSG_TOO_LONG)
    return plus, joined


def _accept_international(digits: str) -> str:
    """Read country-code-first digits (the '+' or "00" already removed)."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except NumberParseException as err:
        raise InvalidNumber(_parse_error_message(err)) from None
    e164, reason = _assess(number)
    if reason is not None:
        raise InvalidNumber(reason)
    return e164


def _e164_of(number: PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _assess(number: PhoneNumber) -> tuple[str, str | None]:
    """Return the E.164 form of ``number`` and why it is unacceptable (None if acceptable).

    The E.164 form must read back as itself: libphonenumber strips one trunk
    prefix per parse, so a string such as "+55 0 0 …" would otherwise change
    every time it is stored and read again.
    """
    e164 = _e164_of(number)
    try:
        again = phonenumbers.parse(e164, None)
    except NumberParseException as err:
        return e164, _parse_error_message(err)
    if _e164_of(again) != e164:
        return e164, _MSG_NOT_A_NUMBER
    return e164, _reason(e164, again)


def _reason(e164: str, number: PhoneNumber) -> str | None:
    """Why ``number`` is unacceptable, or None when it is acceptable."""
    result = phonenumbers.is_possible_number_with_reason(number)
    if result == ValidationResult.IS_POSSIBLE:
        return None
    if result != ValidationResult.IS_POSSIBLE_LOCAL_ONLY and _key_is_possible(e164):
        return None
    return _REASON_MESSAGES.get(result, _MSG_NOT_A_NUMBER)


def _key_is_possible(e164: str) -> bool:
    """True when ``e164`` is a WhatsApp-only form whose :func:`match_key` is possible."""
    key = match_key(e164)
    if key == e164:
        return False
    try:
        number = phonenumbers.parse(key, None)
    except NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number_with_reason(number) == ValidationResult.IS_POSSIBLE)


def _parse_error_message(err: NumberParseException) -> str:
    return _PARSE_ERROR_MESSAGES.get(err.error_type, _MSG_NOT_A_NUMBER)


# --------------------------------------------------------------------------- canonical E.164

# '+', a country code (never starting with 0), and at most 15 digits in all: the form
# APIs, CRMs and WhatsApp itself send. Shorter than 7 digits is left to libphonenumber.
_CANONICAL_RE: Final = re.compile(r"\+[1-9][0-9]{6,14}")
# National digits that name a shape. Four cover every rule of this module that reads
# leading digits (Brazil's two-digit area code, its 9 and the mobile digit after it);
# the rest of libphonenumber's answer for a canonical number depends on the country
# code and the length only, once numbers starting with a trunk prefix are set aside.
_SHAPE_DIGITS: Final = 4
_MAX_SHAPES: Final = 16_384
# What is known of a shape: read in full every time, or accepted unchanged (and then
# whether the number is its own match key).
_SLOW: Final = 0
_OWN_KEY: Final = 1
_VARIANT: Final = 2


class _Country(NamedTuple):
    """What the shape of a number needs from its first three digits."""

    end: int  # where the national number starts ('+' and the country code before it)
    # libphonenumber's national (trunk) prefix: a plain one ("0", "8") is read from the
    # shape, any other pattern from each number.
    trunk: str | None = None
    trunk_pattern: re.Pattern[str] | None = None


_NOT_A_COUNTRY: Final = _Country(0)
_COUNTRIES: dict[str, _Country] = {}  # by the first three digits, filled as they are met


def _country(first_three: str) -> _Country:
    known = _COUNTRIES.get(first_three)
    if known is not None:
        return known
    country = _NOT_A_COUNTRY
    for size in (1, 2, 3):
        code = int(first_three[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            region = phonenumbers.region_code_for_country_code(code)
            metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
            pattern = getattr(metadata, "national_prefix_for_parsing", None) or None
            if pattern is None:
                country = _Country(1 + size)
            elif pattern.isascii() and pattern.isdigit() and len(pattern) <= _SHAPE_DIGITS:
                country = _Country(1 + size, trunk=pattern)
            else:
                country = _Country(1 + size, trunk_pattern=re.compile(pattern))
            break
    _COUNTRIES[first_three] = country
    return country


def _strips_trunk(pattern: re.Pattern[str], text: str, end: int) -> bool:
    """Whether libphonenumber may strip or rewrite a trunk prefix at `end`: an empty match
    with no group taking part changes nothing."""
    found = pattern.match(text, end)
    return found is not None and (found.end() > end or found.lastindex is not None)


class E164Shapes:
    """libphonenumber's verdict on canonical E.164 numbers, remembered per shape.

    Reading a number with libphonenumber costs tens of microseconds (it is pure
    Python); a bulk list of a million canonical numbers would spend a minute there.
    For a canonical number ('+', 7..15 ASCII digits) the verdict depends only on
    its *shape*: the country code, the length and the first four national digits.
    The one exception is a national number that starts with the country's trunk
    prefix ("8" in Russia, "0" in most of Europe, Argentina's "<area> 15"):
    whether libphonenumber strips it depends on whole-number patterns, so such
    numbers always take the full path. The first number of each shape is read in
    full; when it came back unchanged, later numbers of that shape are accepted
    without libphonenumber, otherwise they are read in full too.

    ``tests/test_phones_fast.py`` checks the agreement with Hypothesis across
    country codes. The cache holds at most ``max_shapes`` shapes and starts over
    when full, so its memory stays bounded (about 2 MB at the default).
    """

    def __init__(self, max_shapes: int = _MAX_SHAPES) -> None:
        # Per length of the number, the verdict per leading digits.
        self._verdicts: list[dict[str, int]] = [{} for _ in range(_MAX_DIGITS + 2)]
        self._size = 0
        self._max_shapes = max_shapes

    def __len__(self) -> int:
        return self._size

    def shape(self, text: str) -> str | None:
        """The leading digits that, with the length, make the shape of a canonical E.164
        number; None when it has none: not canonical, or an unknown country code."""
        if _CANONICAL_RE.fullmatch(text) is None:
            return None
        end = (_COUNTRIES.get(text[1:4]) or _country(text[1:4])).end
        return text[: end + _SHAPE_DIGITS] if end else None

    def known_match_key(self, text: str) -> str | None:
        """The :func:`match_key` of `text` when it is a canonical number of a shape known
        to be accepted unchanged, without libphonenumber; None when that is not known
        (:func:`parse_any` and :func:`parse_human` then read it, and learn the shape)."""
        if _CANONICAL_RE.fullmatch(text) is None:
            return None
        end, _, pattern = _COUNTRIES.get(text[1:4]) or _country(text[1:4])
        if not end or (pattern is not None and _strips_trunk(pattern, text, end)):
            return None
        verdict = self._verdicts[len(text)].get(text[: end + _SHAPE_DIGITS])
        if verdict == _OWN_KEY:
            return text
        if verdict == _VARIANT:
            return match_key(text)
        return None

    def parse(self, text: str, default_region: str) -> str:
        """:func:`parse_human_uncached`, answered from the cache where the shape allows."""
        shape = self.shape(text)
        if shape is None:
            return parse_human_uncached(text, default_region)
        end, trunk, pattern = _COUNTRIES[text[1:4]]
        if pattern is not None and _strips_trunk(pattern, text, end):
            return parse_human_uncached(text, default_region)
        verdicts = self._verdicts[len(text)]
        verdict = verdicts.get(shape)
        if verdict is not None:
            return text if verdict != _SLOW else parse_human_uncached(text, default_region)
        try:
            e164 = parse_human_uncached(text, default_region)
        except InvalidNumber:
            self._remember(verdicts, shape, _SLOW)
            raise
        if e164 != text or (trunk is not None and shape.startswith(trunk, end)):
            self._remember(verdicts, shape, _SLOW)
        else:
            self._remember(verdicts, shape, _OWN_KEY if match_key(e164) == e164 else _VARIANT)
        return e164

    def _remember(self, verdicts: dict[str, int], shape: str, verdict: int) -> None:
        if self._size >= self._max_shapes:
            for each in self._verdicts:
                each.clear()
            self._size = 0
        if shape not in verdicts:
            self._size += 1
        verdicts[shape] = verdict


SHAPES: Final = E164Shapes()
"""The process's shape cache, behind :func:`parse_human` and :func:`parse_any`."""


# --------------------------------------------------------------------------- matching

# Brazil: +55, two-digit area code (DDD digits are 1-9), then a mobile
# subscriber part. Old accounts keep the 8-digit part; the 9th digit prefixed
# to mobiles is then missing from the wa_id. Mobiles' 8-digit part starts 6-9;
# landlines start 2-5 and are never merged.
_BR_WITH_NINE: Final = re.compile(r"\+55([1-9]{2})9([6-9][0-9]{7})")
_BR_WITHOUT_NINE: Final = re.compile(r"\+55([1-9]{2})([6-9][0-9]{7})")
# Mexico: WhatsApp reports "521" + 10 digits; people dial "52" + 10 digits.
_MX_WITH_ONE: Final = re.compile(r"\+521([0-9]{10})")
_MX_WITHOUT_ONE: Final = re.compile(r"\+52([0-9]{10})")
# Argentina: WhatsApp reports "549" + 10 digits; people dial "54" + 10 digits.
_AR_WITH_NINE: Final = re.compile(r"\+549([0-9]{10})")
_AR_WITHOUT_NINE: Final = re.compile(r"\+54([0-9]{10})")
# Every number outside these country codes is its own key (checked first: it is cheap).
_VARIANT_CODES: Final = frozenset({"55", "52", "54"})


def _check_e164(e164: str) -> None:
    if _E164_RE.fullmatch(e164) is None:
        raise InvalidNumber("not a '+' followed by up to fifteen digits")


def match_key(e164: str) -> str:
    """Return the key shared by every form of a number WhatsApp treats as one account.

    The key is itself E.164-shaped and is the *shorter* form:
    Brazilian mobiles lose the 9th digit ("+55 11 9 8xxx xxxx" → "+55 11 8xxx xxxx"),
    Mexican numbers lose the "1" after 52, Argentine numbers lose the "9" after 54.
    Every other number is its own key. ``match_key(match_key(x)) == match_key(x)``.

    Raises :class:`InvalidNumber` when ``e164`` is not '+' and 1..15 digits.
    """
    _check_e164(e164)
    if e164[1:3] not in _VARIANT_CODES:
        return e164
    if m := _BR_WITH_NINE.fullmatch(e164):
        return f"+55{m[1]}{m[2]}"
    if m := _MX_WITH_ONE.fullmatch(e164):
        return f"+52{m[1]}"
    if m := _AR_WITH_NINE.fullmatch(e164):
        return f"+54{m[1]}"
    return e164


def variants(e164: str) -> tuple[str, ...]:
    """Return every E.164 form sharing ``match_key(e164)``, ``e164`` first, no duplicates.

    Use it to look up or fan out an opt-out across the forms WhatsApp may
    report: with and without Brazil's mobile 9, Mexico's 1, Argentina's 9.
    Every element has the same :func:`match_key` as ``e164``.
    """
    key = match_key(e164)
    forms = [e164, key]
    if m := _BR_WITHOUT_NINE.fullmatch(key):
        forms.append(f"+55{m[1]}9{m[2]}")
    elif m := _MX_WITHOUT_ONE.fullmatch(key):
        forms.append(f"+521{m[1]}")
    elif m := _AR_WITHOUT_NINE.fullmatch(key):
        forms.append(f"+549{m[1]}")
    return tuple(dict.fromkeys(forms))


# --------------------------------------------------------------------------- user ids


def is_user_id(text: str) -> bool:
    """Tell whether ``text``, ignoring surrounding whitespace, is a business-scoped user id."""
    return BSUID_PATTERN.fullmatch(text.strip()) is not None


def parse_any(text: str, default_region: str) -> tuple[str, str]:
    """Read an identifier that may be a phone number or a business-scoped user id.

    Returns ``("user_id", id)`` with the id stripped of surrounding whitespace
    and otherwise as given, or ``("phone", e164)`` via :func:`parse_human`.
    Raises :class:`InvalidNumber` when it is neither.
    """
    stripped = text.strip()
    if stripped[:1] == "+":  # never a user id: straight to the number
        return KIND_PHONE, parse_human(stripped, default_region)
    if BSUID_PATTERN.fullmatch(stripped) is not None:
        return KIND_USER_ID, stripped
    try:
        return KIND_PHONE, parse_human(stripped, default_region)
    except InvalidNumber:
        if re.match(r"[A-Za-z]{2}\.", stripped):
            raise InvalidNumber(_MSG_USER_ID) from None
        raise
