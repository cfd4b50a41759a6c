"""No phone number or secret reaches the logs in clear."""

from __future__ import annotations

from typing import Any

import pytest

from bot.log import Redactor

KEY = b"k"


def _run(**event: Any) -> dict[str, Any]:
    return dict(Redactor(KEY)(None, "info", dict(event)))


@pytest.mark.parametrize(
    "text",
    [
        "79991234567",
        "+7 (999) 123-45-67",
        "8 999 123 45 67",
        "call +1 650-555-1234 now",
        "from 5511987654321 at noon",
    ],
)
def test_numbers_are_hashed(text: str) -> None:
    out = _run(event="x", detail=text, nested={"list": [text]})
    digits = "".join(c for c in text if c.isdigit())
    assert digits[-7:] not in str(out)
    assert "ph_" in out["detail"]
    assert "ph_" in out["nested"]["list"][0]


def test_same_number_same_reference_in_any_format() -> None:
    r = Redactor(KEY)
    assert r.ref("+7 (999) 123-45-67") == r.ref("79991234567")
    assert r.ref("79991234567") != Redactor(b"other").ref("79991234567")


@pytest.mark.parametrize(
    "text",
    ["2026-09-13T10:00:00Z", "took 12.5 ms", "events=20", "wamid.HBgLNzk5OTEyMzQ1Njc"],
)
def test_ordinary_values_stay(text: str) -> None:
    assert _run(event="x", detail=text)["detail"] == text


def test_business_ids_and_secrets() -> None:
    out = _run(event="x", phone_number_id="106540352242922", token="cb_secret", app_secret="s")
    assert out["phone_number_id"] == "106540352242922"
    assert out["token"] == "[secret]"
    assert out["app_secret"] == "[secret]"


@pytest.mark.parametrize("json_logs", [True, False], ids=["json", "console"])
def test_numbers_in_tracebacks_are_hashed(
    json_logs: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    import structlog

    from bot.log import configure

    configure(json_logs=json_logs, level="info", redaction_key=KEY)
    try:
        try:
            raise ValueError("no such customer +7 999 123-45-67")
        except ValueError:
            structlog.get_logger("t").exception("lookup.failed")
        out = capsys.readouterr().out
    finally:
        structlog.reset_defaults()
    assert "lookup.failed" in out
    assert "ValueError" in out
    assert "123-45-67" not in out
    assert "ph_" in out
