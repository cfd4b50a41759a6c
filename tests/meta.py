"""Builders for Meta WhatsApp Cloud API webhook deliveries.

Everything here produces plain ``dict`` objects shaped like the bodies Meta POSTs to a webhook
(see ``/work/shared/whatsapp.md``), plus :func:`dumps_meta` to serialise them byte-for-byte the
way Meta does (compact JSON, ``\\uXXXX`` escapes with lowercase hex, ``/`` written as ``\\/``) and
:func:`sign` / :func:`signed_request` to produce the ``X-Hub-Signature-256`` header.

Key order inside each object follows Meta's captured payloads (``changes[]`` items are
``{"value": ..., "field": ...}``), so the serialised bytes look like a real delivery.

Typical use::

    payload = body(messages_change(text_message("СТОП")))
    raw, headers = signed_request(payload, APP_SECRET)

Management fields carry ``entry[].time``; build them with ``entry(..., time=...)`` (or
``body(..., time=...)``)::

    payload = batch(entry(template_status("PAUSED"), time=TIMESTAMP))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable

Json = dict[str, object]

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "15550783881"

USER_WA_ID = "79991234567"
"""Default user: a Russian mobile number as a wa_id (digits only, no ``+``)."""

USER_BSUID = "RU.13491208655302741918"
"""A business-scoped user id in Meta's ``<country>.<alphanumerics>`` form."""

PROFILE_NAME = "Иван Петров"
USERNAME = "ivan.petrov"

TIMESTAMP = 1_779_000_000
"""Fixed event time (2026-05-17 06:40:00 UTC), after the BSUID rollout of 2026-03-31."""

APP_SECRET = "f3b1c2d4e5a60718293a4b5c6d7e8f90"
"""A 32-hex-digit app secret for tests that do not care about its value."""

ERRORS_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

TEMPLATE_ID = 806312974732579
TEMPLATE_NAME = "autumn_sale_ru"
REQUESTER_ID = "100088934552317"

_PROFILE_NAMES = ("Иван Петров", "Мария", "José Álvarez", "Ayşe Yılmaz", "Ольга 🌸")

_ERRORS: dict[int, tuple[str, str]] = {
    131026: (
        "Message undeliverable",
        "Message Undeliverable.",
    ),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last"
        " replied to this number.",
    ),
    131048: (
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent"
        " from this phone number.",
    ),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
    131050: (
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing"
        " messages on WhatsApp from your business",
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing"
        " messages on WhatsApp from your business",
    ),
    131051: (
        "Message type unknown",
        "Message type is currently not supported.",
    ),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number"
        " to the same phone number in a short period of time.",
    ),
    130472: (
        "User's number is part of an experiment",
        "Failed to send message because this user's phone number is part of an experiment",
    ),
}

_MIME_TYPES = {
    "image": "image/jpeg",
    "video": "video/mp4",
    "audio": "audio/ogg; codecs=opus",
    "document": "application/pdf",
    "sticker": "image/webp",
}


# Serialisation and signatures


def dumps_meta(obj: object) -> bytes:
    """Serialise ``obj`` exactly as Meta does: compact, ASCII-only, ``/`` escaped as ``\\/``."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("/", "\\/").encode("ascii")


def sign(body: bytes, secret: str) -> str:
    """Return the ``X-Hub-Signature-256`` header value for ``body`` signed with ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_request(payload: Json | bytes, secret: str) -> tuple[bytes, dict[str, str]]:
    """Return ``(raw body, headers)`` for a webhook POST; dicts are serialised with dumps_meta."""
    raw = payload if isinstance(payload, bytes) else dumps_meta(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(raw, secret),
    }
    return raw, headers


def wamid(seed: str | int | None = None, *, wa_id: str = USER_WA_ID) -> str:
    """Return a realistic WhatsApp message id (``wamid.HBgL...``).

    The id has Meta's layout (base64 of a small binary record holding the user's number and a
    20-character uppercase hex token). The same ``seed`` always gives the same id; different
    seeds give different ids; ``None`` gives a random one.
    """
    if seed is None:
        token = secrets.token_hex(10).upper()
    else:
        token = hashlib.sha256(f"wamid:{seed}".encode()).hexdigest()[:20].upper()
    number = wa_id.encode("ascii")
    raw = (
        b"\x1c\x18"
        + bytes([len(number)])
        + number
        + b"\x15\x02\x00\x12\x18"
        + bytes([len(token)])
        + token.encode("ascii")
        + b"\x00"
    )
    return "wamid." + base64.b64encode(raw).decode("ascii")


# Envelope


def entry(*changes: Json, waba_id: str = WABA_ID, time: int | None = None) -> Json:
    """One ``entry[]`` item; ``time`` (an int) is present on management fields."""
    item: Json = {"id": waba_id}
    if time is not None:
        item["time"] = time
    item["changes"] = list(changes)
    return item


def batch(*entries: Json) -> Json:
    """A full body holding several ``entry[]`` items."""
    return {"object": "whatsapp_business_account", "entry": list(entries)}


def body(*changes: Json, waba_id: str = WABA_ID, time: int | None = None) -> Json:
    """A full body with a single entry holding ``changes``."""
    return batch(entry(*changes, waba_id=waba_id, time=time))


# Contacts and changes


def contact(
    wa_id: str | None = USER_WA_ID,
    *,
    user_id: str | None = None,
    name: str | None = PROFILE_NAME,
    username: str | None = None,
) -> Json:
    """One ``contacts[]`` item; ``None`` omits the field (``name=None`` omits ``profile``)."""
    item: Json = {}
    profile: Json = {}
    if name is not None:
        profile["name"] = name
    if username is not None:
        profile["username"] = username
    if profile:
        item["profile"] = profile
    if wa_id is not None:
        item["wa_id"] = wa_id
    if user_id is not None:
        item["user_id"] = user_id
    return item


def _derived_contacts(people: Iterable[tuple[object, object]]) -> list[Json]:
    seen: list[tuple[object, object]] = []
    for person in people:
        if person != (None, None) and person not in seen:
            seen.append(person)
    result: list[Json] = []
    for index, (wa_id, user_id) in enumerate(seen):
        result.append(
            contact(
                None if wa_id is None else str(wa_id),
                user_id=None if user_id is None else str(user_id),
                name=_PROFILE_NAMES[index % len(_PROFILE_NAMES)],
                username=USERNAME if wa_id is None else None,
            )
        )
    return result


def _metadata(phone_number_id: str, display: str) -> Json:
    return {"display_phone_number": display, "phone_number_id": phone_number_id}


def management_change(field: str, value: Json) -> Json:
    """A ``changes[]`` item for any field."""
    return {"value": value, "field": field}


def messages_change(
    *messages: Json,
    contacts: list[Json] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    display: str = DISPLAY_NUMBER,
) -> Json:
    """A ``messages`` change carrying inbound ``messages``.

    With ``contacts=None`` one contact is derived per distinct sender (``from`` /
    ``from_user_id``) of the non-system messages; the key is omitted when there is none, as for
    ``system`` messages. An explicit list is used as given, except that an empty list omits the
    key (Meta never sends ``"contacts": []``).
    """
    if contacts is None:
        contacts = _derived_contacts(
            (message.get("from"), message.get("from_user_id"))
            for message in messages
            if message.get("type") != "system"
        )
    value: Json = {
        "messaging_product": "whatsapp",
        "metadata": _metadata(phone_number_id, display),
    }
    if contacts:
        value["contacts"] = contacts
    value["messages"] = list(messages)
    return management_change("messages", value)


def statuses_change(
    *statuses: Json,
    phone_number_id: str = PHONE_NUMBER_ID,
    display: str = DISPLAY_NUMBER,
    contacts: list[Json] | None = None,
) -> Json:
    """A ``messages`` change carrying outbound ``statuses``; ``contacts`` only when given."""
    value: Json = {
        "messaging_product": "whatsapp",
        "metadata": _metadata(phone_number_id, display),
    }
    if contacts:
        value["contacts"] = contacts
    value["statuses"] = list(statuses)
    return management_change("messages", value)


def user_preferences_change(
    *prefs: Json,
    phone_number_id: str = PHONE_NUMBER_ID,
    display: str = DISPLAY_NUMBER,
    contacts: list[Json] | None = None,
) -> Json:
    """A ``user_preferences`` change; contacts are derived from the items unless given."""
    if contacts is None:
        contacts = _derived_contacts((pref.get("wa_id"), pref.get("user_id")) for pref in prefs)
    value: Json = {
        "messaging_product": "whatsapp",
        "metadata": _metadata(phone_number_id, display),
    }
    if contacts:
        value["contacts"] = contacts
    value["user_preferences"] = list(prefs)
    return management_change("user_preferences", value)


# Inbound message items


def _message(
    kind: str,
    type_object: object,
    *,
    from_: str | None,
    user_id: str | None,
    id: str | None,
    timestamp: str | int | None,
    context: Json | None,
    extra: Json | None = None,
) -> Json:
    item: Json = {}
    if context is not None:
        item["context"] = context
    if from_ is not None:
        item["from"] = from_
    if user_id is not None:
        item["from_user_id"] = user_id
    item["id"] = id if id is not None else wamid(wa_id=from_ or USER_WA_ID)
    item["timestamp"] = str(TIMESTAMP if timestamp is None else timestamp)
    if extra:
        item.update(extra)
    item["type"] = kind
    if type_object is not None:
        item[kind] = type_object
    return item


def reply_context(message_id: str | None = None, *, from_: str = DISPLAY_NUMBER) -> Json:
    """``context`` of a reply to one of the business's messages (``from`` is the business)."""
    return {"from": from_, "id": message_id if message_id is not None else wamid("template")}


def text_message(
    body: str,
    *,
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
    context: Json | None = None,
) -> Json:
    """A ``text`` message; ``context`` may be :func:`reply_context` or ``{"forwarded": True}``."""
    return _message(
        "text",
        {"body": body},
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=context,
    )


def button_message(
    text: str,
    payload: str | None = None,
    *,
    context_id: str | None = None,
    context_from: str = DISPLAY_NUMBER,
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
) -> Json:
    """A tap on a template quick-reply button; ``payload`` defaults to the label.

    ``context_id`` is the wamid of the template that carried the button (a fixed id by default).
    """
    return _message(
        "button",
        {"payload": text if payload is None else payload, "text": text},
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=reply_context(context_id, from_=context_from),
    )


def interactive_button_reply(
    reply_id: str,
    title: str,
    *,
    context_id: str | None = None,
    context_from: str = DISPLAY_NUMBER,
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
) -> Json:
    """A reply to an interactive reply-button message."""
    return _message(
        "interactive",
        {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=reply_context(context_id, from_=context_from),
    )


def interactive_list_reply(
    reply_id: str,
    title: str,
    description: str | None = None,
    *,
    context_id: str | None = None,
    context_from: str = DISPLAY_NUMBER,
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
) -> Json:
    """A reply to an interactive list message."""
    reply: Json = {"id": reply_id, "title": title}
    if description is not None:
        reply["description"] = description
    return _message(
        "interactive",
        {"type": "list_reply", "list_reply": reply},
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=reply_context(context_id, from_=context_from),
    )


def media_message(
    kind: str = "image",
    caption: str | None = None,
    *,
    media_id: str = "1265378147624187",
    mime_type: str | None = None,
    sha256: str | None = None,
    filename: str | None = None,
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
    context: Json | None = None,
) -> Json:
    """An ``image``/``video``/``audio``/``document``/``sticker`` message.

    ``mime_type`` defaults per kind (``image/jpeg`` for images); ``sha256`` defaults to the
    base64 digest of ``media_id`` as Meta formats it; documents get ``filename`` ``offer.pdf``.
    """
    media: Json = {}
    if caption is not None:
        media["caption"] = caption
    if kind == "document":
        media["filename"] = filename if filename is not None else "offer.pdf"
    elif filename is not None:
        media["filename"] = filename
    media["mime_type"] = mime_type if mime_type is not None else _MIME_TYPES.get(kind, "image/jpeg")
    media["sha256"] = (
        sha256
        if sha256 is not None
        else base64.b64encode(hashlib.sha256(media_id.encode()).digest()).decode("ascii")
    )
    media["id"] = media_id
    return _message(
        kind,
        media,
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=context,
    )


def reaction_message(
    message_id: str,
    emoji: str | None = None,
    *,
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
) -> Json:
    """A reaction to ``message_id``; ``emoji=None`` omits it (the reaction was removed)."""
    reaction: Json = {"message_id": message_id}
    if emoji is not None:
        reaction["emoji"] = emoji
    return _message(
        "reaction",
        reaction,
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=None,
    )


def request_welcome(
    *,
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
) -> Json:
    """A ``request_welcome`` message (first chat opened); it has no type object."""
    return _message(
        "request_welcome",
        None,
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=None,
    )


def unsupported_message(
    unsupported_type: str = "poll",
    *,
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
) -> Json:
    """An ``unsupported`` message with Meta's 131051 error."""
    return _message(
        "unsupported",
        {"type": unsupported_type},
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=None,
        extra={"errors": [error(131051)]},
    )


def system_changed_number(
    new_wa_id: str,
    *,
    from_: str = USER_WA_ID,
    name: str = PROFILE_NAME,
    id: str | None = None,
    timestamp: str | int | None = None,
) -> Json:
    """A ``system`` ``user_changed_number`` message: ``from`` is the old number."""
    return _message(
        "system",
        {
            "body": f"{name} changed from +{from_} to +{new_wa_id}",
            "wa_id": new_wa_id,
            "type": "user_changed_number",
        },
        from_=from_,
        user_id=None,
        id=id,
        timestamp=timestamp,
        context=None,
    )


def location_message(
    latitude: float = 55.753930,
    longitude: float = 37.620795,
    *,
    name: str | None = "Красная площадь",
    address: str | None = "Москва, Красная площадь, 1",
    from_: str | None = USER_WA_ID,
    user_id: str | None = None,
    id: str | None = None,
    timestamp: str | int | None = None,
) -> Json:
    """A ``location`` message (no consent meaning)."""
    location: Json = {}
    if address is not None:
        location["address"] = address
    location["latitude"] = latitude
    location["longitude"] = longitude
    if name is not None:
        location["name"] = name
    return _message(
        "location",
        location,
        from_=from_,
        user_id=user_id,
        id=id,
        timestamp=timestamp,
        context=None,
    )


# Status items


def error(
    code: int,
    *,
    title: str | None = None,
    details: str | None = None,
    href: str = ERRORS_HREF,
) -> Json:
    """One ``errors[]`` item; title and details default to Meta's text for known codes."""
    known_title, known_details = _ERRORS.get(code, ("Unknown error", "Unknown error."))
    title = known_title if title is None else title
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": known_details if details is None else details},
        "href": href,
    }


def status(
    state: str = "delivered",
    *,
    id: str | None = None,
    recipient_id: str | None = USER_WA_ID,
    recipient_user_id: str | None = None,
    timestamp: str | int | None = None,
    pricing_category: str | None = None,
    error_code: int | None = None,
    error_title: str | None = None,
    error_details: str | None = None,
    biz_opaque_callback_data: str | None = None,
) -> Json:
    """One ``statuses[]`` item for an outbound message.

    ``pricing`` appears when ``pricing_category`` is given (PMP; ``service`` is free, other
    categories are billable ``regular``); ``errors`` appears when ``error_code`` is given.
    """
    item: Json = {
        "id": id if id is not None else wamid(wa_id=recipient_id or USER_WA_ID),
        "status": state,
        "timestamp": str(TIMESTAMP if timestamp is None else timestamp),
    }
    if recipient_id is not None:
        item["recipient_id"] = recipient_id
    if recipient_user_id is not None:
        item["recipient_user_id"] = recipient_user_id
    if biz_opaque_callback_data is not None:
        item["biz_opaque_callback_data"] = biz_opaque_callback_data
    if pricing_category is not None:
        free = pricing_category == "service"
        item["pricing"] = {
            "billable": not free,
            "pricing_model": "PMP",
            "type": "free_customer_service" if free else "regular",
            "category": pricing_category,
        }
    if error_code is not None:
        item["errors"] = [error(error_code, title=error_title, details=error_details)]
    return item


# User preference items


def preference(
    value: str = "stop",
    *,
    wa_id: str | None = USER_WA_ID,
    user_id: str | None = None,
    timestamp: int = TIMESTAMP,
    detail: str | None = None,
) -> Json:
    """One ``user_preferences[]`` item; ``timestamp`` is an integer as Meta sends it."""
    if detail is None:
        detail = {
            "stop": "User requested to stop marketing messages",
            "resume": "User requested to resume marketing messages",
            "signup": "User signed up via signup link",
        }.get(value, f"User requested to {value} marketing messages")
    item: Json = {}
    if wa_id is not None:
        item["wa_id"] = wa_id
    if user_id is not None:
        item["user_id"] = user_id
    item["detail"] = detail
    item["category"] = "marketing_messages"
    item["value"] = value
    item["timestamp"] = timestamp
    return item


# Management changes (wrap them in entry(..., time=...))


def account_update(event: str = "ACCOUNT_RESTRICTION", **extra: object) -> Json:
    """An ``account_update`` change; ``extra`` keys are added to (or replace) the defaults."""
    value: Json = {"event": event}
    if event == "ACCOUNT_RESTRICTION":
        value["restriction_info"] = [
            {
                "restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING",
                "expiration": TIMESTAMP + 7 * 24 * 3600,
            }
        ]
    elif event == "ACCOUNT_VIOLATION":
        value["violation_info"] = {"violation_type": "SCAM"}
    elif event == "DISABLED_UPDATE":
        value["ban_info"] = {"waba_ban_state": "DISABLE", "waba_ban_date": "May 17, 2026"}
    value.update(extra)
    return management_change("account_update", value)


def quality_update(
    event: str = "FLAGGED",
    current_limit: str | None = "TIER_1K",
    *,
    display: str = DISPLAY_NUMBER,
    old_limit: str | None = None,
    max_daily_conversations_per_business: str | None = None,
) -> Json:
    """A ``phone_number_quality_update`` change (legacy events by default); ``None`` omits."""
    value: Json = {"display_phone_number": display, "event": event}
    if old_limit is not None:
        value["old_limit"] = old_limit
    if current_limit is not None:
        value["current_limit"] = current_limit
    if max_daily_conversations_per_business is not None:
        value["max_daily_conversations_per_business"] = max_daily_conversations_per_business
    return management_change("phone_number_quality_update", value)


def template_status(
    event: str = "PAUSED",
    *,
    template_id: int = TEMPLATE_ID,
    name: str = TEMPLATE_NAME,
    language: str = "ru",
    reason: str | None = "NONE",
    category: str = "MARKETING",
    other_info: Json | None = None,
) -> Json:
    """A ``message_template_status_update`` change; ``reason=None`` is sent as JSON null.

    ``PAUSED`` gets ``other_info`` ``FIRST_PAUSE`` unless ``other_info`` is given.
    """
    value: Json = {
        "event": event,
        "message_template_id": template_id,
        "message_template_name": name,
        "message_template_language": language,
        "reason": reason,
        "message_template_category": category,
    }
    if other_info is None and event == "PAUSED":
        other_info = {
            "title": "FIRST_PAUSE",
            "description": "Your WhatsApp message template has been paused for 3 hours until"
            " May 17, 2026 at 9:40 AM UTC because it had issues.",
        }
    if other_info is not None:
        value["other_info"] = other_info
    return management_change("message_template_status_update", value)


def template_quality(
    new: str = "RED",
    previous: str = "GREEN",
    *,
    template_id: int = TEMPLATE_ID,
    name: str = TEMPLATE_NAME,
    language: str = "ru",
) -> Json:
    """A ``message_template_quality_update`` change."""
    return management_change(
        "message_template_quality_update",
        {
            "previous_quality_score": previous,
            "new_quality_score": new,
            "message_template_id": template_id,
            "message_template_name": name,
            "message_template_language": language,
        },
    )


def capability_update(
    max_daily_conversations_per_business: int | str = 2000,
    *,
    max_phone_numbers_per_business: int | None = None,
) -> Json:
    """A ``business_capability_update`` change (the limit may be an int or a ``TIER_*`` string)."""
    value: Json = {"max_daily_conversations_per_business": max_daily_conversations_per_business}
    if max_phone_numbers_per_business is not None:
        value["max_phone_numbers_per_business"] = max_phone_numbers_per_business
    return management_change("business_capability_update", value)


def security(
    event: str = "PIN_CHANGED",
    *,
    display: str = DISPLAY_NUMBER,
    requester: str = REQUESTER_ID,
) -> Json:
    """A ``security`` change (two-step verification PIN events)."""
    return management_change(
        "security",
        {"display_phone_number": display, "event": event, "requester": requester},
    )
