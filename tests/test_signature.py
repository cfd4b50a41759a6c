"""The signature check accepts exactly the bodies signed with the app secret."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.whatsapp.signature import Verdict, check, expected
from tests import meta

SECRET = b"app-secret"


def _sign(body: bytes, secret: bytes = SECRET) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        pytest.param(None, Verdict.MISSING, id="absent"),
        pytest.param("", Verdict.MISSING, id="empty"),
        pytest.param("sha256=", Verdict.MISMATCH, id="prefix-only"),
        pytest.param("sha1=abc", Verdict.MISMATCH, id="other-algorithm"),
        pytest.param("garbage", Verdict.MISMATCH, id="garbage"),
        pytest.param("sha256=" + "0" * 64, Verdict.MISMATCH, id="zeros"),
        pytest.param("Привет", Verdict.MISMATCH, id="non-ascii"),
    ],
)
def test_bad_headers(header: str | None, verdict: Verdict) -> None:
    assert check(b"{}", header, SECRET) is verdict


def test_meta_escaped_body_verifies_over_its_own_bytes() -> None:
    body = meta.dumps_meta(meta.body(meta.messages_change(meta.media_message(caption="Стоп ✋"))))
    assert b"\\/" in body
    assert b"\\u" in body
    assert check(body, _sign(body), SECRET) is Verdict.VALID
    assert check(body.replace(b"\\/", b"/"), _sign(body), SECRET) is Verdict.MISMATCH


def test_uppercase_hex_and_whitespace_are_tolerated() -> None:
    body = b'{"a":1}'
    header = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest().upper()
    assert check(body, f"  {header} ", SECRET) is Verdict.VALID


@given(st.binary(max_size=512), st.binary(min_size=1, max_size=64))
def test_valid_exactly_with_the_right_secret(body: bytes, secret: bytes) -> None:
    assert check(body, expected(body, secret), secret) is Verdict.VALID
    assert check(body, _sign(body, secret), secret) is Verdict.VALID
    other = secret + b"x"
    assert check(body, expected(body, other), secret) is Verdict.MISMATCH


@given(st.binary(max_size=256), st.binary(max_size=256))
def test_a_signature_fits_only_its_own_body(body: bytes, other: bytes) -> None:
    verdict = check(other, expected(body, SECRET), SECRET)
    assert (verdict is Verdict.VALID) == (body == other)
