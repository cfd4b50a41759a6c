"""Checks that the webhook builders in tests.meta produce bodies shaped and encoded like Meta's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import meta

SECRET = "test-app-secret"


def _value(payload: dict[str, object], entry_index: int = 0, change_index: int = 0) -> dict:
    entries = payload["entry"]
    assert isinstance(entries, list)
    changes = entries[entry_index]["changes"]
    return changes[change_index]["value"]


def test_dumps_meta_escapes_cyrillic_as_lowercase_unicode_escapes() -> None:
    raw = meta.dumps_meta({"body": "СТОП"})

    assert raw == b'{"body":"\\u0421\\u0422\\u041e\\u041f"}'
    escapes = re.findall(rb"\\u([0-9a-fA-F]{4})", meta.dumps_meta({"t": "Отписаться ЁЖЭ é"}))
    assert escapes
    assert all(e == e.lower() for e in escapes)


def test_dumps_meta_escapes_slash_and_is_compact() -> None:
    raw = meta.dumps_meta({"mime_type": "image/jpeg", "n": [1, 2]})

    assert raw == b'{"mime_type":"image\\/jpeg","n":[1,2]}'


def test_dumps_meta_escapes_emoji_as_surrogate_pair() -> None:
    assert meta.dumps_meta("👍") == b'"\\ud83d\\udc4d"'


def test_dumps_meta_round_trips_nested_data() -> None:
    data = {
        "text": "СТОП / stop \\/ 🙅‍♀️ café",
        "nested": [{"url": "https://example.com/a/b?x=1", "emoji": "👍🏽"}, None, True, 1.5],
        "Ключ/ключ": {"deeper": ["Отписаться", "\\", "/"]},
    }

    raw = meta.dumps_meta(data)

    assert raw.isascii()
    assert b"/" not in raw.replace(b"\\/", b"")
    assert json.loads(raw) == data


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_dumps_meta_round_trips_arbitrary_json(data: object) -> None:
    raw = meta.dumps_meta(data)

    assert raw.isascii()
    assert json.loads(raw) == data


def test_sign_matches_hmac_sha256() -> None:
    raw = meta.dumps_meta(meta.body(meta.messages_change(meta.text_message("СТОП"))))

    expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()

    assert meta.sign(raw, SECRET) == f"sha256={expected}"
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", meta.sign(raw, SECRET))


@pytest.mark.parametrize("as_bytes", [False, True])
def test_signed_request_returns_body_and_headers(as_bytes: bool) -> None:
    payload = meta.body(meta.messages_change(meta.text_message("стоп", id=meta.wamid(1))))
    raw_payload = meta.dumps_meta(payload)

    raw, headers = meta.signed_request(raw_payload if as_bytes else payload, SECRET)

    assert raw == raw_payload
    assert headers == {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": meta.sign(raw_payload, SECRET),
    }


def test_wamid_is_deterministic_per_seed_and_looks_real() -> None:
    assert meta.wamid("a") == meta.wamid("a")
    assert meta.wamid("a") != meta.wamid("b")
    assert meta.wamid(1) != meta.wamid(2)
    assert meta.wamid() != meta.wamid()

    ident = meta.wamid(7)
    assert ident.startswith("wamid.HBgL")
    decoded = base64.b64decode(ident.removeprefix("wamid."))
    assert meta.USER_WA_ID.encode() in decoded


def test_text_message_envelope_has_documented_shape() -> None:
    payload = meta.body(meta.messages_change(meta.text_message("СТОП")))

    assert list(payload) == ["object", "entry"]
    assert payload["object"] == "whatsapp_business_account"
    entries = payload["entry"]
    assert isinstance(entries, list)
    assert len(entries) == 1
    assert entries[0]["id"] == meta.WABA_ID
    assert "time" not in entries[0]
    change = entries[0]["changes"][0]
    assert change["field"] == "messages"

    value = change["value"]
    assert set(value) == {"messaging_product", "metadata", "contacts", "messages"}
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {
        "display_phone_number": meta.DISPLAY_NUMBER,
        "phone_number_id": meta.PHONE_NUMBER_ID,
    }
    assert value["contacts"] == [{"profile": {"name": meta.PROFILE_NAME}, "wa_id": "79991234567"}]

    message = value["messages"][0]
    assert set(message) == {"from", "id", "timestamp", "type", "text"}
    assert message["from"] == "79991234567"
    assert message["type"] == "text"
    assert message["text"] == {"body": "СТОП"}
    assert message["id"].startswith("wamid.")
    assert isinstance(message["timestamp"], str)
    assert message["timestamp"].isdigit()


def test_text_message_bytes_are_escaped_like_meta() -> None:
    raw = meta.dumps_meta(meta.body(meta.messages_change(meta.text_message("СТОП"))))

    assert raw.startswith(b'{"object":"whatsapp_business_account","entry":[{"id":"')
    assert b'"text":{"body":"\\u0421\\u0422\\u041e\\u041f"}' in raw
    assert b'"timestamp":"' in raw


def test_username_user_has_no_from_and_contact_has_user_id() -> None:
    message = meta.text_message("stop", from_=None, user_id=meta.USER_BSUID)

    assert "from" not in message
    assert message["from_user_id"] == meta.USER_BSUID
    contacts = _value(meta.body(meta.messages_change(message)))["contacts"]
    assert len(contacts) == 1
    assert "wa_id" not in contacts[0]
    assert contacts[0]["user_id"] == meta.USER_BSUID
    assert "username" in contacts[0]["profile"]


def test_contacts_are_one_per_distinct_sender() -> None:
    value = _value(
        meta.body(
            meta.messages_change(
                meta.text_message("a", from_="111"),
                meta.text_message("b", from_="222"),
                meta.text_message("c", from_="111"),
            )
        )
    )

    assert [c["wa_id"] for c in value["contacts"]] == ["111", "222"]
    assert len(value["messages"]) == 3


def test_button_message_defaults_payload_to_label_and_has_context() -> None:
    message = meta.button_message("Остановить рекламу", context_id="wamid.T")

    assert message["type"] == "button"
    assert message["button"] == {"payload": "Остановить рекламу", "text": "Остановить рекламу"}
    assert message["context"] == {"from": meta.DISPLAY_NUMBER, "id": "wamid.T"}
    assert meta.button_message("Stop", "OPTOUT")["button"]["payload"] == "OPTOUT"


def test_interactive_replies() -> None:
    button = meta.interactive_button_reply("optout", "Отписаться")
    listed = meta.interactive_list_reply("optout_all", "Всё", "Отписаться от всего")

    assert button["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "optout", "title": "Отписаться"},
    }
    assert listed["interactive"]["list_reply"]["description"] == "Отписаться от всего"
    assert "description" not in meta.interactive_list_reply("x", "y")["interactive"]["list_reply"]


def test_media_message_mime_type_is_slash_escaped() -> None:
    message = meta.media_message(caption="стоп")
    raw = meta.dumps_meta(meta.body(meta.messages_change(message)))

    assert message["type"] == "image"
    assert message["image"]["mime_type"] == "image/jpeg"
    assert b'"mime_type":"image\\/jpeg"' in raw
    assert json.loads(raw) == meta.body(meta.messages_change(message))


def test_other_message_kinds() -> None:
    reaction = meta.reaction_message("wamid.X", "👎")
    removed = meta.reaction_message("wamid.X")
    welcome = meta.request_welcome()
    unsupported = meta.unsupported_message()
    location = meta.location_message()

    assert reaction["reaction"] == {"message_id": "wamid.X", "emoji": "👎"}
    assert removed["reaction"] == {"message_id": "wamid.X"}
    assert welcome["type"] == "request_welcome"
    assert "request_welcome" not in welcome
    assert unsupported["errors"][0]["code"] == 131051
    assert unsupported["unsupported"] == {"type": "poll"}
    assert location["type"] == "location"
    assert isinstance(location["location"]["latitude"], float)


def test_system_messages_produce_no_contacts() -> None:
    system = meta.system_changed_number("79997654321")

    assert system["from"] == meta.USER_WA_ID
    assert system["system"]["wa_id"] == "79997654321"
    assert system["system"]["type"] == "user_changed_number"
    value = _value(meta.body(meta.messages_change(system)))
    assert "contacts" not in value
    assert value["messages"] == [system]

    mixed = _value(meta.body(meta.messages_change(system, meta.text_message("hi", from_="111"))))
    assert [c["wa_id"] for c in mixed["contacts"]] == ["111"]

    explicit = _value(meta.body(meta.messages_change(meta.text_message("hi"), contacts=[])))
    assert "contacts" not in explicit


def test_preference_timestamp_is_int() -> None:
    pref = meta.preference()
    value = _value(meta.body(meta.user_preferences_change(pref)))

    assert isinstance(pref["timestamp"], int)
    assert not isinstance(pref["timestamp"], bool)
    assert pref["value"] == "stop"
    assert pref["category"] == "marketing_messages"
    assert pref["detail"] == "User requested to stop marketing messages"
    assert meta.preference("resume")["detail"] == "User requested to resume marketing messages"
    assert value["user_preferences"] == [pref]
    assert value["contacts"][0]["wa_id"] == meta.USER_WA_ID
    raw = meta.dumps_meta(meta.body(meta.user_preferences_change(pref)))
    assert f'"timestamp":{meta.TIMESTAMP}'.encode() in raw


def test_preference_without_wa_id() -> None:
    pref = meta.preference(wa_id=None, user_id=meta.USER_BSUID)

    assert "wa_id" not in pref
    assert pref["user_id"] == meta.USER_BSUID


def test_status_with_pricing_and_error() -> None:
    failed = meta.status("failed", error_code=131050, biz_opaque_callback_data="campaign=a/b")
    sent = meta.status("sent", pricing_category="marketing")
    value = _value(meta.body(meta.statuses_change(failed, sent)))

    assert isinstance(failed["timestamp"], str)
    assert failed["recipient_id"] == meta.USER_WA_ID
    err = failed["errors"][0]
    assert set(err) == {"code", "title", "message", "error_data", "href"}
    assert err["code"] == 131050
    assert set(err["error_data"]) == {"details"}
    assert "pricing" not in failed
    assert sent["pricing"] == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "marketing",
    }
    assert value["statuses"] == [failed, sent]
    assert "contacts" not in value
    assert "recipient_id" not in meta.status(recipient_id=None)


def test_management_changes_use_entry_time() -> None:
    payload = meta.batch(
        meta.entry(meta.account_update(), time=meta.TIMESTAMP),
        meta.entry(
            meta.quality_update(),
            meta.template_status(),
            meta.template_quality(),
            meta.capability_update(),
            meta.security(),
            time=meta.TIMESTAMP + 1,
        ),
    )

    entries = payload["entry"]
    assert isinstance(entries, list)
    assert [e["time"] for e in entries] == [meta.TIMESTAMP, meta.TIMESTAMP + 1]
    assert all(isinstance(e["time"], int) for e in entries)
    fields = [c["field"] for e in entries for c in e["changes"]]
    assert fields == [
        "account_update",
        "phone_number_quality_update",
        "message_template_status_update",
        "message_template_quality_update",
        "business_capability_update",
        "security",
    ]
    restriction = entries[0]["changes"][0]["value"]
    assert restriction["event"] == "ACCOUNT_RESTRICTION"
    assert isinstance(restriction["restriction_info"][0]["expiration"], int)
    template = entries[1]["changes"][1]["value"]
    assert isinstance(template["message_template_id"], int)
    assert template["reason"] == "NONE"
    assert meta.template_status("PENDING_DELETION", reason=None)["value"]["reason"] is None
    assert meta.capability_update("TIER_2K")["value"] == {
        "max_daily_conversations_per_business": "TIER_2K"
    }
    assert meta.account_update("ACCOUNT_DELETED")["value"] == {"event": "ACCOUNT_DELETED"}
