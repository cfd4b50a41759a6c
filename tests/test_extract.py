"""Tests for bot.whatsapp.extract: webhook bodies to ledger events, problems, ignored fields."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.events import Event, Kind, Source
from bot.intent import ButtonMap
from bot.state import Policy, derive
from bot.whatsapp.extract import Extraction, extract
from bot.whatsapp.models import Envelope
from tests import meta

RECEIVED = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
OCCURRED = datetime(2026, 5, 17, 6, 40, tzinfo=UTC)
"""meta.TIMESTAMP (1779000000) as a UTC datetime."""

PHONE = "+79991234567"
NEW_WA_ID = "79997654321"
TEMPLATE_WAMID = meta.wamid("template")


def run(payload: dict[str, Any] | list[Any], *, received_at: datetime = RECEIVED) -> Extraction:
    envelope = Envelope.model_validate_json(meta.dumps_meta(payload))
    return extract(envelope, received_at=received_at, buttons=ButtonMap.default())


def only_event(payload: dict[str, Any]) -> Event:
    out = run(payload)
    assert out.problems == []
    assert out.ignored_fields == []
    assert len(out.events) == 1
    return out.events[0]


def inbound(
    wamid: str,
    kind: Kind,
    source: Source,
    *,
    categories: frozenset[str] = frozenset(),
    language: str | None = None,
    evidence: dict[str, Any],
    phone: str | None = PHONE,
    wa_id: str | None = meta.USER_WA_ID,
    user_id: str | None = None,
    linked_phone: str | None = None,
) -> Event:
    """The event an inbound message from the default user should become."""
    return Event(
        key="msg:" + wamid,
        kind=kind,
        source=source,
        occurred_at=OCCURRED,
        received_at=RECEIVED,
        phone=phone,
        wa_id=wa_id,
        user_id=user_id,
        categories=categories,
        phone_number_id=meta.PHONE_NUMBER_ID,
        waba_id=meta.WABA_ID,
        language=language,
        evidence=evidence,
        linked_phone=linked_phone,
    )


def error_evidence(code: int) -> dict[str, Any]:
    """An `errors[]` item as the ledger keeps it: Meta's fields without the docs link."""
    item = meta.error(code)
    return {
        "code": code,
        "title": item["title"],
        "message": item["title"],
        "error_data": item["error_data"],
    }


ALL_CATS = frozenset({"all"})
MKT = frozenset({"marketing"})
UTL = frozenset({"utility"})

# --------------------------------------------------------------------------- text

TEXT_CASES = [
    pytest.param("СТОП", Kind.OPT_OUT, ALL_CATS, "ru", "стоп", id="ru-stop-upper"),
    pytest.param("стоп", Kind.OPT_OUT, ALL_CATS, "ru", "стоп", id="ru-stop"),
    pytest.param("stop", Kind.OPT_OUT, ALL_CATS, "en", "stop", id="en-stop"),
    pytest.param(
        "Отпишите меня, пожалуйста!", Kind.OPT_OUT, ALL_CATS, "ru", "отпишите", id="ru-phrase"
    ),
    pytest.param("START", Kind.OPT_IN, ALL_CATS, "en", "start", id="en-start"),
    pytest.param("Старт", Kind.OPT_IN, ALL_CATS, "ru", "старт", id="ru-start"),
    pytest.param("Hello", Kind.MESSAGE, frozenset(), None, None, id="hello"),
    pytest.param("bus stop", Kind.MESSAGE, frozenset(), None, None, id="stop-in-conversation"),
]


@pytest.mark.parametrize(("text", "kind", "categories", "language", "matched"), TEXT_CASES)
def test_text_message(
    text: str, kind: Kind, categories: frozenset[str], language: str | None, matched: str | None
) -> None:
    wamid = meta.wamid(f"text:{text}")
    event = only_event(meta.body(meta.messages_change(meta.text_message(text, id=wamid))))

    evidence: dict[str, Any] = {"wamid": wamid, "type": "text"}
    if kind is not Kind.MESSAGE:
        evidence |= {"text": text, "matched": matched}
    assert event == inbound(
        wamid,
        kind,
        Source.WHATSAPP_TEXT,
        categories=categories,
        language=language,
        evidence=evidence,
    )


def test_ordinary_text_is_not_kept() -> None:
    event = only_event(meta.body(meta.messages_change(meta.text_message("Hello, my card 4111"))))
    assert event.kind is Kind.MESSAGE
    assert "Hello, my card 4111" not in repr(event)
    assert set(event.evidence) == {"wamid", "type"}


def test_reply_context_is_kept_as_evidence() -> None:
    wamid = meta.wamid("reply")
    message = meta.text_message("stop", id=wamid, context=meta.reply_context(TEMPLATE_WAMID))
    event = only_event(meta.body(meta.messages_change(message)))
    assert event.evidence == {
        "wamid": wamid,
        "type": "text",
        "context_id": TEMPLATE_WAMID,
        "text": "stop",
        "matched": "stop",
    }


# --------------------------------------------------------------------------- buttons and replies

REPLY_CASES = [
    pytest.param(
        meta.button_message("Отписаться", id=meta.wamid("b1")),
        meta.wamid("b1"),
        Kind.OPT_OUT,
        Source.WHATSAPP_BUTTON,
        MKT,
        "ru",
        {"payload": "Отписаться", "text": "Отписаться", "matched": "отписаться"},
        id="button-label-as-payload",
    ),
    pytest.param(
        meta.button_message("Отписаться", "OPTOUT_MARKETING|camp=x", id=meta.wamid("b2")),
        meta.wamid("b2"),
        Kind.OPT_OUT,
        Source.WHATSAPP_BUTTON,
        MKT,
        "ru",
        {
            "payload": "OPTOUT_MARKETING|camp=x",
            "text": "Отписаться",
            "matched": "OPTOUT_MARKETING|camp=x",
        },
        id="button-payload-marker",
    ),
    pytest.param(
        meta.button_message("Stop promotions", id=meta.wamid("b3")),
        meta.wamid("b3"),
        Kind.OPT_OUT,
        Source.WHATSAPP_BUTTON,
        MKT,
        "en",
        {"payload": "Stop promotions", "text": "Stop promotions", "matched": "stop promotions"},
        id="button-meta-stop-promotions",
    ),
    pytest.param(
        meta.button_message("Resume promotions", id=meta.wamid("b4")),
        meta.wamid("b4"),
        Kind.OPT_IN,
        Source.WHATSAPP_BUTTON,
        MKT,
        "en",
        {
            "payload": "Resume promotions",
            "text": "Resume promotions",
            "matched": "resume promotions",
        },
        id="button-opt-in",
    ),
    pytest.param(
        meta.button_message("Хочу скидку", "MORE_INFO", id=meta.wamid("b5")),
        meta.wamid("b5"),
        Kind.MESSAGE,
        Source.WHATSAPP_BUTTON,
        frozenset(),
        None,
        {},
        id="button-without-consent-meaning",
    ),
    pytest.param(
        meta.interactive_button_reply("btn_unsubscribe", "Unsubscribe", id=meta.wamid("i1")),
        meta.wamid("i1"),
        Kind.OPT_OUT,
        Source.WHATSAPP_INTERACTIVE,
        MKT,
        "en",
        {"reply_id": "btn_unsubscribe", "title": "Unsubscribe", "matched": "btn_unsubscribe"},
        id="interactive-button-reply",
    ),
    pytest.param(
        meta.interactive_list_reply(
            "menu_3", "Остановить рекламу", "Больше не присылать акции", id=meta.wamid("i2")
        ),
        meta.wamid("i2"),
        Kind.OPT_OUT,
        Source.WHATSAPP_INTERACTIVE,
        MKT,
        "ru",
        {"reply_id": "menu_3", "title": "Остановить рекламу", "matched": "остановить рекламу"},
        id="interactive-list-reply",
    ),
    pytest.param(
        meta.interactive_list_reply("resubscribe", "Подписаться снова", id=meta.wamid("i3")),
        meta.wamid("i3"),
        Kind.OPT_IN,
        Source.WHATSAPP_INTERACTIVE,
        MKT,
        "ru",
        {"reply_id": "resubscribe", "title": "Подписаться снова", "matched": "resubscribe"},
        id="interactive-list-reply-opt-in",
    ),
    pytest.param(
        meta.interactive_button_reply("track_order", "Где мой заказ?", id=meta.wamid("i4")),
        meta.wamid("i4"),
        Kind.MESSAGE,
        Source.WHATSAPP_INTERACTIVE,
        frozenset(),
        None,
        {},
        id="interactive-without-consent-meaning",
    ),
]


@pytest.mark.parametrize(
    ("message", "wamid", "kind", "source", "categories", "language", "said"), REPLY_CASES
)
def test_button_and_interactive_reply(
    message: dict[str, Any],
    wamid: str,
    kind: Kind,
    source: Source,
    categories: frozenset[str],
    language: str | None,
    said: dict[str, Any],
) -> None:
    event = only_event(meta.body(meta.messages_change(message)))
    evidence = {"wamid": wamid, "type": message["type"], "context_id": TEMPLATE_WAMID, **said}
    assert event == inbound(
        wamid, kind, source, categories=categories, language=language, evidence=evidence
    )


# --------------------------------------------------------------------------- other message types

OTHER_CASES = [
    pytest.param(
        meta.media_message("image", "стоп", id=meta.wamid("m1")),
        Kind.OPT_OUT,
        Source.WHATSAPP_MEDIA,
        ALL_CATS,
        "ru",
        {"caption": "стоп", "matched": "стоп"},
        id="image-caption-stop",
    ),
    pytest.param(
        meta.media_message("document", "Счёт за май", id=meta.wamid("m2")),
        Kind.MESSAGE,
        Source.WHATSAPP_MEDIA,
        frozenset(),
        None,
        {},
        id="document-ordinary-caption",
    ),
    pytest.param(
        meta.media_message("image", id=meta.wamid("m3")),
        Kind.MESSAGE,
        Source.WHATSAPP_MESSAGE,
        frozenset(),
        None,
        {},
        id="image-without-caption",
    ),
    pytest.param(
        meta.reaction_message(TEMPLATE_WAMID, "👎", id=meta.wamid("m4")),
        Kind.MESSAGE,
        Source.WHATSAPP_MESSAGE,
        frozenset(),
        None,
        {},
        id="reaction",
    ),
    pytest.param(
        meta.reaction_message(TEMPLATE_WAMID, id=meta.wamid("m5")),
        Kind.MESSAGE,
        Source.WHATSAPP_MESSAGE,
        frozenset(),
        None,
        {},
        id="reaction-removed",
    ),
    pytest.param(
        meta.location_message(id=meta.wamid("m6")),
        Kind.MESSAGE,
        Source.WHATSAPP_MESSAGE,
        frozenset(),
        None,
        {},
        id="location",
    ),
    pytest.param(
        meta.request_welcome(id=meta.wamid("m7")),
        Kind.MESSAGE,
        Source.WHATSAPP_MESSAGE,
        frozenset(),
        None,
        {},
        id="request-welcome",
    ),
    pytest.param(
        meta.unsupported_message("poll", id=meta.wamid("m8")),
        Kind.MESSAGE,
        Source.WHATSAPP_MESSAGE,
        frozenset(),
        None,
        {},
        id="unsupported",
    ),
]


@pytest.mark.parametrize(
    ("message", "kind", "source", "categories", "language", "said"), OTHER_CASES
)
def test_other_message_types(
    message: dict[str, Any],
    kind: Kind,
    source: Source,
    categories: frozenset[str],
    language: str | None,
    said: dict[str, Any],
) -> None:
    wamid = message["id"]
    event = only_event(meta.body(meta.messages_change(message)))
    evidence = {"wamid": wamid, "type": message["type"], **said}
    assert event == inbound(
        wamid, kind, source, categories=categories, language=language, evidence=evidence
    )


def test_user_changed_number() -> None:
    wamid = meta.wamid("changed")
    event = only_event(
        meta.body(meta.messages_change(meta.system_changed_number(NEW_WA_ID, id=wamid)))
    )
    assert event == inbound(
        wamid,
        Kind.NUMBER_CHANGED,
        Source.WHATSAPP_SYSTEM,
        evidence={"wamid": wamid, "type": "system", "new_wa_id": NEW_WA_ID},
        linked_phone="+" + NEW_WA_ID,
    )


def test_username_user_known_only_by_user_id() -> None:
    wamid = meta.wamid("username")
    message = meta.text_message("СТОП", from_=None, user_id=meta.USER_BSUID, id=wamid)
    event = only_event(meta.body(meta.messages_change(message)))
    assert event == inbound(
        wamid,
        Kind.OPT_OUT,
        Source.WHATSAPP_TEXT,
        categories=ALL_CATS,
        language="ru",
        evidence={"wamid": wamid, "type": "text", "text": "СТОП", "matched": "стоп"},
        phone=None,
        wa_id=None,
        user_id=meta.USER_BSUID,
    )


def test_user_id_is_taken_from_the_matching_contact() -> None:
    wamid = meta.wamid("contact-join")
    other = "79990000001"
    change = meta.messages_change(
        meta.text_message("Hello", id=wamid),
        contacts=[
            meta.contact(other, user_id="RU.999"),
            meta.contact(meta.USER_WA_ID, user_id=meta.USER_BSUID),
        ],
    )
    event = only_event(meta.body(change))
    assert (event.phone, event.wa_id, event.user_id) == (PHONE, meta.USER_WA_ID, meta.USER_BSUID)


# --------------------------------------------------------------------------- statuses

STATUS_CASES = [
    pytest.param(
        {"state": "sent", "pricing_category": "marketing"},
        Kind.SENT,
        MKT,
        {"pricing_category": "marketing"},
        id="sent-marketing",
    ),
    pytest.param(
        {"state": "sent", "pricing_category": "marketing_lite"},
        Kind.SENT,
        MKT,
        {"pricing_category": "marketing_lite"},
        id="sent-marketing-lite",
    ),
    pytest.param(
        {"state": "sent", "pricing_category": "utility"},
        Kind.SENT,
        UTL,
        {"pricing_category": "utility"},
        id="sent-utility",
    ),
    pytest.param(
        {"state": "sent", "pricing_category": "service"},
        Kind.SENT,
        frozenset(),
        {"pricing_category": "service"},
        id="sent-service",
    ),
    pytest.param(
        {"state": "sent", "pricing_category": "marketing", "biz_opaque_callback_data": "camp=x"},
        Kind.SENT,
        MKT,
        {"pricing_category": "marketing", "biz_opaque_callback_data": "camp=x"},
        id="sent-with-callback-data",
    ),
    pytest.param({"state": "delivered"}, Kind.DELIVERED, frozenset(), {}, id="delivered"),
    pytest.param({"state": "read"}, Kind.DELIVERED, frozenset(), {}, id="read"),
    pytest.param(
        {"state": "failed", "error_code": 131050, "pricing_category": "marketing"},
        Kind.PLATFORM_STOP,
        MKT,
        {"error_code": 131050, "errors": [error_evidence(131050)], "pricing_category": "marketing"},
        id="failed-131050",
    ),
    pytest.param(
        {"state": "failed", "error_code": 131050},
        Kind.PLATFORM_STOP,
        MKT,
        {"error_code": 131050, "errors": [error_evidence(131050)]},
        id="failed-131050-without-pricing",
    ),
    pytest.param(
        {"state": "failed", "error_code": 131026},
        Kind.UNDELIVERABLE,
        frozenset(),
        {"error_code": 131026, "errors": [error_evidence(131026)]},
        id="failed-131026",
    ),
    pytest.param(
        {"state": "failed", "error_code": 131049},
        Kind.BACKOFF,
        MKT,
        {"error_code": 131049, "errors": [error_evidence(131049)]},
        id="failed-131049",
    ),
    pytest.param(
        {"state": "failed", "error_code": 131056},
        Kind.BACKOFF,
        ALL_CATS,
        {"error_code": 131056, "errors": [error_evidence(131056)]},
        id="failed-131056",
    ),
    pytest.param(
        {"state": "failed", "error_code": 131047},
        Kind.FAILED,
        frozenset(),
        {"error_code": 131047, "errors": [error_evidence(131047)]},
        id="failed-131047",
    ),
    pytest.param(
        {"state": "failed", "error_code": 131047, "pricing_category": "utility"},
        Kind.FAILED,
        UTL,
        {"error_code": 131047, "errors": [error_evidence(131047)], "pricing_category": "utility"},
        id="failed-131047-utility",
    ),
    pytest.param({"state": "deleted"}, Kind.STATUS, frozenset(), {}, id="unknown-status"),
]


@pytest.mark.parametrize(("kwargs", "kind", "categories", "extra"), STATUS_CASES)
def test_status(
    kwargs: dict[str, Any], kind: Kind, categories: frozenset[str], extra: dict[str, Any]
) -> None:
    wamid = meta.wamid("outbound")
    state = kwargs["state"]
    event = only_event(meta.body(meta.statuses_change(meta.status(id=wamid, **kwargs))))
    assert event == Event(
        key=f"st:{wamid}:{state}",
        kind=kind,
        source=Source.WHATSAPP_STATUS,
        occurred_at=OCCURRED,
        received_at=RECEIVED,
        phone=PHONE,
        wa_id=meta.USER_WA_ID,
        categories=categories,
        phone_number_id=meta.PHONE_NUMBER_ID,
        waba_id=meta.WABA_ID,
        evidence={"wamid": wamid, "status": state, **extra},
    )


def test_status_for_a_user_known_only_by_user_id() -> None:
    status = meta.status("delivered", recipient_id=None, recipient_user_id=meta.USER_BSUID)
    event = only_event(meta.body(meta.statuses_change(status)))
    assert (event.kind, event.phone, event.wa_id, event.user_id) == (
        Kind.DELIVERED,
        None,
        None,
        meta.USER_BSUID,
    )


def test_failed_status_with_several_errors_backs_off_for_the_deciding_code() -> None:
    status = meta.status("failed", error_code=131047)
    status["errors"] = [meta.error(131047), meta.error(131049)]
    event = only_event(meta.body(meta.statuses_change(status)))
    assert event.kind is Kind.BACKOFF
    assert event.categories == MKT
    backoffs = derive([event], Policy()).backoffs
    assert [(b.category, b.until, b.code) for b in backoffs] == [
        ("marketing", OCCURRED + timedelta(hours=24), 131049)
    ]


# --------------------------------------------------------------------------- user_preferences

PREFERENCE_CASES = [
    pytest.param(
        "stop",
        Kind.PLATFORM_STOP,
        MKT,
        "User requested to stop marketing messages",
        id="stop",
    ),
    pytest.param(
        "resume",
        Kind.PLATFORM_RESUME,
        MKT,
        "User requested to resume marketing messages",
        id="resume",
    ),
    pytest.param(
        "signup", Kind.PREFERENCE, frozenset(), "User signed up via signup link", id="signup"
    ),
]


@pytest.mark.parametrize(("value", "kind", "categories", "detail"), PREFERENCE_CASES)
def test_user_preference(value: str, kind: Kind, categories: frozenset[str], detail: str) -> None:
    event = only_event(meta.body(meta.user_preferences_change(meta.preference(value))))
    assert event == Event(
        key=f"pref:{meta.USER_WA_ID}:{value}:{meta.TIMESTAMP}:{meta.PHONE_NUMBER_ID}",
        kind=kind,
        source=Source.WHATSAPP_PREFERENCES,
        occurred_at=OCCURRED,
        received_at=RECEIVED,
        phone=PHONE,
        wa_id=meta.USER_WA_ID,
        categories=categories,
        phone_number_id=meta.PHONE_NUMBER_ID,
        waba_id=meta.WABA_ID,
        evidence={"value": value, "category": "marketing_messages", "detail": detail},
    )


def test_user_preference_with_only_user_id() -> None:
    item = meta.preference(
        "stop", wa_id=None, user_id=meta.USER_BSUID, timestamp=meta.TIMESTAMP + 5
    )
    event = only_event(meta.body(meta.user_preferences_change(item)))
    assert event == Event(
        key=f"pref:{meta.USER_BSUID}:stop:{meta.TIMESTAMP + 5}:{meta.PHONE_NUMBER_ID}",
        kind=Kind.PLATFORM_STOP,
        source=Source.WHATSAPP_PREFERENCES,
        occurred_at=OCCURRED + timedelta(seconds=5),
        received_at=RECEIVED,
        phone=None,
        wa_id=None,
        user_id=meta.USER_BSUID,
        categories=MKT,
        phone_number_id=meta.PHONE_NUMBER_ID,
        waba_id=meta.WABA_ID,
        evidence={
            "value": "stop",
            "category": "marketing_messages",
            "detail": "User requested to stop marketing messages",
        },
    )


# --------------------------------------------------------------------------- management fields

ACCOUNT_ALERT = meta.management_change(
    "account_alerts",
    {
        "entity_type": "PHONE_NUMBER",
        "entity_id": "106540352242922",
        "alert_info": {
            "alert_severity": "WARNING",
            "alert_status": "ACTIVE",
            "alert_type": "OBA_APPROVED",
            "alert_description": "Official business account approved",
        },
    },
)

MANAGEMENT_CASES = [
    pytest.param(meta.account_update("ACCOUNT_RESTRICTION"), Kind.ACCOUNT_UPDATE, id="restriction"),
    pytest.param(meta.account_update("DISABLED_UPDATE"), Kind.ACCOUNT_UPDATE, id="disabled"),
    pytest.param(meta.account_update("ACCOUNT_VIOLATION"), Kind.ACCOUNT_UPDATE, id="violation"),
    pytest.param(
        meta.quality_update("FLAGGED", "TIER_1K"), Kind.NUMBER_QUALITY, id="quality-legacy-flagged"
    ),
    pytest.param(
        meta.quality_update(
            "THROUGHPUT_UPGRADE", None, max_daily_conversations_per_business="TIER_10K"
        ),
        Kind.NUMBER_QUALITY,
        id="quality-current-throughput-upgrade",
    ),
    pytest.param(meta.template_status("PAUSED"), Kind.TEMPLATE_STATUS, id="template-paused"),
    pytest.param(
        meta.template_status("PENDING_DELETION", reason=None),
        Kind.TEMPLATE_STATUS,
        id="template-null-reason",
    ),
    pytest.param(meta.template_quality("RED"), Kind.TEMPLATE_QUALITY, id="template-quality"),
    pytest.param(meta.capability_update(2000), Kind.CAPABILITY, id="capability-int"),
    pytest.param(meta.capability_update("TIER_2K"), Kind.CAPABILITY, id="capability-tier"),
    pytest.param(meta.security("PIN_CHANGED"), Kind.SECURITY, id="security"),
    pytest.param(ACCOUNT_ALERT, Kind.ACCOUNT_ALERT, id="account-alerts"),
]

MANAGEMENT_TIME = meta.TIMESTAMP + 3600


@pytest.mark.parametrize(("change", "kind"), MANAGEMENT_CASES)
def test_management_field(change: dict[str, Any], kind: Kind) -> None:
    field = change["field"]
    event = only_event(meta.body(change, time=MANAGEMENT_TIME))
    prefix, digest = event.key.rsplit(":", 1)
    assert prefix == f"mgmt:{meta.WABA_ID}:{field}:{MANAGEMENT_TIME}"
    assert len(digest) >= 16
    assert event == Event(
        key=event.key,
        kind=kind,
        source=Source.WHATSAPP_ACCOUNT,
        occurred_at=OCCURRED + timedelta(hours=1),
        received_at=RECEIVED,
        waba_id=meta.WABA_ID,
        evidence={"field": field, "value": change["value"]},
    )


def test_management_field_without_entry_time_happened_when_received() -> None:
    event = only_event(meta.body(meta.security("PIN_RESET_REQUEST")))
    assert event.kind is Kind.SECURITY
    assert event.occurred_at == RECEIVED


def test_different_management_notifications_have_different_keys() -> None:
    out = run(
        meta.batch(
            meta.entry(meta.template_status("PAUSED"), time=MANAGEMENT_TIME),
            meta.entry(meta.template_status("APPROVED"), time=MANAGEMENT_TIME),
            meta.entry(meta.template_status("PAUSED"), time=MANAGEMENT_TIME + 1),
        )
    )
    assert out.problems == []
    assert len({e.key for e in out.events}) == 3


def test_unknown_fields_are_ignored() -> None:
    out = run(
        meta.body(
            meta.management_change("history", {"history": [{"threads": []}]}),
            meta.security(),
            meta.management_change("smb_message_echoes", {"message_echoes": [{"id": "x"}]}),
            time=MANAGEMENT_TIME,
        )
    )
    assert out.ignored_fields == ["history", "smb_message_echoes"]
    assert out.problems == []
    assert [e.kind for e in out.events] == [Kind.SECURITY]


# --------------------------------------------------------------------------- batches and keys


def test_batch_keeps_every_item_in_order() -> None:
    ids = [meta.wamid(f"batch:{n}") for n in range(12)]
    texts = iter(["Hello", "stop", "START"] * 4)
    entries = [
        meta.entry(
            *(
                meta.messages_change(
                    *(meta.text_message(next(texts), id=ids[6 * e + 3 * c + m]) for m in range(3))
                )
                for c in range(2)
            )
        )
        for e in range(2)
    ]
    out = run(meta.batch(*entries))
    assert out.problems == []
    assert [e.key for e in out.events] == ["msg:" + i for i in ids]
    assert [e.kind for e in out.events] == [Kind.MESSAGE, Kind.OPT_OUT, Kind.OPT_IN] * 4


def test_redelivery_gives_identical_keys() -> None:
    payload = meta.batch(
        meta.entry(
            meta.messages_change(meta.text_message("СТОП"), meta.button_message("Отписаться")),
            meta.statuses_change(meta.status("sent", pricing_category="marketing")),
            meta.user_preferences_change(meta.preference("stop")),
        ),
        meta.entry(meta.template_quality("RED"), time=MANAGEMENT_TIME),
    )
    first = run(payload)
    again = run(payload, received_at=RECEIVED + timedelta(days=3))
    assert len(first.events) == 5
    assert [(e.key, e.id) for e in again.events] == [(e.key, e.id) for e in first.events]
    assert len({e.key for e in first.events}) == 5


def test_two_statuses_of_one_message_have_different_keys() -> None:
    wamid = meta.wamid("two-statuses")
    out = run(
        meta.body(
            meta.statuses_change(
                meta.status("sent", id=wamid, pricing_category="marketing"),
                meta.status("delivered", id=wamid, pricing_category="marketing"),
            )
        )
    )
    assert [e.key for e in out.events] == [f"st:{wamid}:sent", f"st:{wamid}:delivered"]
    assert out.events[0].id != out.events[1].id


# --------------------------------------------------------------------------- problems

GOOD = meta.wamid("good")


def _without(item: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != key}


def _change_without_value() -> dict[str, Any]:
    return _without(meta.messages_change(meta.text_message("stop")), "value")


PROBLEM_CASES = [
    pytest.param(
        meta.body(
            meta.messages_change(meta.text_message("stop", id=GOOD)), _change_without_value()
        ),
        ["entry[0].changes[1]: messages change without a value"],
        ["msg:" + GOOD],
        id="messages-change-without-value",
    ),
    pytest.param(
        meta.body(
            _without(meta.security(), "value"),
            meta.messages_change(meta.text_message("stop", id=GOOD)),
        ),
        ["entry[0].changes[0]: security change without a value"],
        ["msg:" + GOOD],
        id="management-change-without-value",
    ),
    pytest.param(
        meta.body(
            meta.messages_change(
                meta.text_message("stop", id=GOOD),
                meta.text_message("stop", from_=None, id=meta.wamid("anon")),
            )
        ),
        ["entry[0].changes[0].messages[1]: message without `from` or `from_user_id`"],
        ["msg:" + GOOD],
        id="message-without-sender",
    ),
    pytest.param(
        meta.body(
            meta.messages_change(
                _without(meta.text_message("stop"), "id"),
                meta.text_message("stop", id=GOOD),
            )
        ),
        ["entry[0].changes[0].messages[0]: id: Field required"],
        ["msg:" + GOOD],
        id="message-without-id",
    ),
    pytest.param(
        meta.body(
            meta.messages_change(
                meta.text_message("stop", id=GOOD),
                meta.text_message("stop", timestamp="yesterday"),
            )
        ),
        [
            "entry[0].changes[0].messages[1]: timestamp: "
            "Input should be a valid integer, unable to parse string as an integer"
        ],
        ["msg:" + GOOD],
        id="non-numeric-timestamp",
    ),
    pytest.param(
        meta.body(
            meta.user_preferences_change(
                meta.preference("stop", wa_id=None),
                meta.preference("resume"),
            )
        ),
        [
            "entry[0].changes[0].user_preferences[0]: "
            "user_preferences item without `wa_id` or `user_id`"
        ],
        [f"pref:{meta.USER_WA_ID}:resume:{meta.TIMESTAMP}:{meta.PHONE_NUMBER_ID}"],
        id="preference-without-user",
    ),
    pytest.param(
        meta.batch(
            meta.entry(meta.messages_change(meta.text_message("stop", id=GOOD))),
            meta.entry(
                meta.statuses_change(
                    meta.status("sent", id=meta.wamid("s1")),
                    _without(meta.status("delivered"), "id"),
                )
            ),
        ),
        ["entry[1].changes[0].statuses[1]: id: Field required"],
        ["msg:" + GOOD, f"st:{meta.wamid('s1')}:sent"],
        id="status-without-id",
    ),
    pytest.param(
        meta.body(
            meta.messages_change(
                meta.text_message("stop", id=GOOD),
                meta.text_message("stop", from_="not-a-number"),
            )
        ),
        [
            "entry[0].changes[0].messages[1]: unreadable WhatsApp id: "
            "a WhatsApp id must contain only digits"
        ],
        ["msg:" + GOOD],
        id="unreadable-sender",
    ),
]


@pytest.mark.parametrize(("payload", "problems", "keys"), PROBLEM_CASES)
def test_problems_are_reported_and_the_rest_extracted(
    payload: dict[str, Any], problems: list[str], keys: list[str]
) -> None:
    out = run(payload)
    assert out.problems == problems
    assert [e.key for e in out.events] == keys
    assert out.ignored_fields == []


OUT_OF_RANGE = 10**14

OUT_OF_RANGE_CASES = [
    pytest.param(
        meta.body(
            meta.messages_change(
                meta.text_message("stop", id=GOOD),
                meta.text_message("stop", timestamp=OUT_OF_RANGE),
            )
        ),
        "entry[0].changes[0].messages[1]",
        ["msg:" + GOOD],
        id="message",
    ),
    pytest.param(
        meta.body(
            meta.messages_change(meta.text_message("stop", id=GOOD)),
            meta.statuses_change(meta.status("sent", timestamp=OUT_OF_RANGE)),
        ),
        "entry[0].changes[1].statuses[0]",
        ["msg:" + GOOD],
        id="status",
    ),
    pytest.param(
        meta.body(
            meta.messages_change(meta.text_message("stop", id=GOOD)),
            meta.user_preferences_change(meta.preference("stop", timestamp=OUT_OF_RANGE)),
        ),
        "entry[0].changes[1].user_preferences[0]",
        ["msg:" + GOOD],
        id="preference",
    ),
    pytest.param(
        meta.batch(
            meta.entry(meta.messages_change(meta.text_message("stop", id=GOOD))),
            meta.entry(meta.security(), time=OUT_OF_RANGE),
        ),
        "entry[1].changes[0]",
        ["msg:" + GOOD],
        id="management-entry-time",
    ),
]


@pytest.mark.parametrize(("payload", "path", "keys"), OUT_OF_RANGE_CASES)
def test_out_of_range_timestamp_is_a_problem_not_a_crash(
    payload: dict[str, Any], path: str, keys: list[str]
) -> None:
    out = run(payload)
    assert len(out.problems) == 1
    assert out.problems[0].startswith(path + ": ")
    assert [e.key for e in out.events] == keys


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"entry": "x"}, id="entry-not-a-list"),
        pytest.param([], id="array"),
        pytest.param({}, id="no-entry"),
    ],
)
def test_envelope_shape_is_required(payload: object) -> None:
    with pytest.raises(ValidationError):
        Envelope.model_validate_json(meta.dumps_meta(payload))


def test_empty_entry_list_extracts_nothing() -> None:
    out = run({"object": "whatsapp_business_account", "entry": []})
    assert (out.events, out.problems, out.ignored_fields) == ([], [], [])


# --------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_becomes_exactly_one_event(text: str) -> None:
    wamid = meta.wamid("any-text")
    out = run(meta.body(meta.messages_change(meta.text_message(text, id=wamid))))
    assert out.problems == []
    assert [e.key for e in out.events] == ["msg:" + wamid]
    event = out.events[0]
    assert event.kind in (Kind.MESSAGE, Kind.OPT_OUT, Kind.OPT_IN, Kind.COMPLAINT, Kind.REVIEW)
    if event.kind is Kind.MESSAGE:
        # Ordinary text is never kept; a HELP request is marked, still without the words.
        assert event.evidence in (
            {"wamid": wamid, "type": "text"},
            {"wamid": wamid, "type": "text", "intent": "help"},
        )
    else:
        assert event.evidence["text"] == text


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)
EXTRA_KEYS = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12).map(
    lambda name: "x_" + name
)
EXTRA_FIELDS = st.dictionaries(EXTRA_KEYS, JSON_VALUES, max_size=3)

MESSAGE_FACTORIES = [
    lambda: meta.text_message("СТОП", id=meta.wamid("p1")),
    lambda: meta.button_message("Отписаться", id=meta.wamid("p2")),
    lambda: meta.interactive_list_reply("menu_3", "Stop promotions", id=meta.wamid("p3")),
    lambda: meta.media_message("image", "стоп", id=meta.wamid("p4")),
    lambda: meta.reaction_message(TEMPLATE_WAMID, "👎", id=meta.wamid("p5")),
    lambda: meta.system_changed_number(NEW_WA_ID, id=meta.wamid("p6")),
    lambda: meta.text_message("Hello", from_=None, user_id=meta.USER_BSUID, id=meta.wamid("p7")),
]


@settings(max_examples=100, deadline=None)
@given(
    extras=st.lists(EXTRA_FIELDS, min_size=len(MESSAGE_FACTORIES), max_size=len(MESSAGE_FACTORIES)),
    status_extra=EXTRA_FIELDS,
    preference_extra=EXTRA_FIELDS,
)
def test_unknown_fields_never_break_extraction(
    extras: list[dict[str, Any]],
    status_extra: dict[str, Any],
    preference_extra: dict[str, Any],
) -> None:
    plain = [factory() for factory in MESSAGE_FACTORIES]
    noisy = [factory() | extra for factory, extra in zip(MESSAGE_FACTORIES, extras, strict=True)]

    def payload(messages: list[dict[str, Any]], s_extra: dict[str, Any], p_extra: dict[str, Any]):
        return meta.body(
            meta.messages_change(*messages),
            meta.statuses_change(
                meta.status("failed", id=meta.wamid("p8"), error_code=131050) | s_extra
            ),
            meta.user_preferences_change(meta.preference("stop") | p_extra),
        )

    expected = run(payload(plain, {}, {}))
    out = run(payload(noisy, status_extra, preference_extra))
    assert out.problems == []
    assert out.events == expected.events
    assert len(out.events) == len(MESSAGE_FACTORIES) + 2
