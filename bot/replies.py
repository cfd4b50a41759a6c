"""What the service answers a customer, when, and how an answer to its question reads: pure.

Three kinds of answer go out through the Graph API, each in the customer's language (the
one detected on the event, else the business's default), from the business number the
customer wrote to, and only inside WhatsApp's 24-hour customer-service window, which the
customer's own message opened:

- a confirmation of each opt-out (a complaint is honoured as one) and of each opt-in;
- the answer to HELP;
- for a message held for review, a clarifying question with two reply buttons, "Stop
  offers" and "Keep receiving". Each button's id names the review item and the answer
  (:func:`button_id`), so the customer's tap resolves that item by itself.

Nothing here is marketing: confirmations and HELP answers are the lexicon's reply texts,
the question is :data:`QUESTIONS`; the only message types built are ``text`` and
``interactive`` (:data:`MESSAGE_TYPES`), never a template.

A reply is keyed by its event and its kind (:func:`reply_id`), so an event is answered
once however often Meta delivers it and however many instances see it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Literal

from bot.events import MARKETING, Event, Kind, event_id
from bot.intent import Intent, Lexicon, Verdict

WINDOW: Final = timedelta(hours=24)
"""WhatsApp's customer-service window: free-form messages only this long after the
customer's last message (later ones fail with error 131047)."""

FALLBACK_LANGUAGE: Final = "en"
MESSAGE_TYPES: Final = frozenset({"text", "interactive"})
MAX_TITLE: Final = 20  # Meta's limit for a reply button's title
MAX_TEXT: Final = 1024  # Meta's limit for an interactive message's body (text: 4096)


class Answer(StrEnum):
    """The customer's answer to the clarifying question."""

    STOP = "stop"
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class Question:
    body: str
    stop: str
    keep: str


QUESTIONS: Final[Mapping[str, Question]] = {
    "en": Question(
        "We were not sure what you meant. Would you like to stop receiving our offers?",
        "Stop offers",
        "Keep receiving",
    ),
    "ru": Question(
        "Мы не совсем поняли ваше сообщение. Больше не присылать вам наши предложения?",
        "Не присылать акции",
        "Продолжать получать",
    ),
    "uk": Question(
        "Ми не зовсім зрозуміли ваше повідомлення. Більше не надсилати вам наші пропозиції?",
        "Без пропозицій",
        "Отримувати далі",
    ),
    "es": Question(
        "No entendimos bien tu mensaje. ¿Quieres dejar de recibir nuestras ofertas?",
        "No más ofertas",
        "Seguir recibiendo",
    ),
    "pt": Question(
        "Não entendemos bem sua mensagem. Você quer parar de receber nossas ofertas?",
        "Parar ofertas",
        "Continuar recebendo",
    ),
    "de": Question(
        "Wir haben Ihre Nachricht nicht ganz verstanden. Möchten Sie keine Angebote mehr?",
        "Keine Angebote",
        "Weiter erhalten",
    ),
    "fr": Question(
        "Nous n'avons pas bien compris votre message. Voulez-vous ne plus recevoir nos offres ?",
        "Stop aux offres",
        "Continuer à recevoir",
    ),
    "it": Question(
        "Non abbiamo capito bene il tuo messaggio. Vuoi smettere di ricevere le nostre offerte?",
        "Basta offerte",
        "Continua a ricevere",
    ),
    "tr": Question(
        "Mesajınızı tam anlayamadık. Kampanya mesajlarımızı artık almak istemiyor musunuz?",
        "Teklifleri durdur",
        "Almaya devam et",
    ),
    "kk": Question(
        "Хабарламаңызды толық түсінбедік. Біздің ұсыныстарымызды енді алғыңыз келмей ме?",
        "Ұсыныстарды тоқтату",
        "Ала беремін",
    ),
    "uz": Question(
        "Xabaringizni to'liq tushunmadik. Takliflarimizni boshqa olishni xohlamaysizmi?",
        "Takliflar kerak emas",
        "Olishda davom etish",
    ),
    "uz-Cyrl": Question(
        "Хабарингизни тўлиқ тушунмадик. Таклифларимизни бошқа олишни хоҳламайсизми?",
        "Таклифлар керак эмас",
        "Олишда давом этиш",
    ),
    "id": Question(
        "Kami kurang memahami pesan Anda. Apakah Anda tidak ingin menerima penawaran kami lagi?",
        "Stop penawaran",
        "Tetap terima",
    ),
    "hi": Question(
        "हम आपका संदेश ठीक से समझ नहीं पाए। क्या आप हमारे ऑफ़र अब नहीं पाना चाहते?",
        "ऑफ़र बंद करें",
        "मिलते रहें",
    ),
    "hi-Latn": Question(
        "Hum aapka message theek se samajh nahi paaye. Kya aap ab hamare offers nahi chahte?",
        "Offers band karein",
        "Milte rahein",
    ),
    "ar": Question(
        "لم نفهم رسالتك تماماً. هل تريد التوقف عن تلقي عروضنا؟",
        "إيقاف العروض",
        "متابعة الاستلام",
    ),
}
"""The clarifying question and its two buttons, per language."""


# -- button ids ------------------------------------------------------------------------------

# `consentbot.review.<item id>.<answer>.<language>`: the item id is an event id (32 hex
# digits), so an id names one item and nothing a business sends of its own looks like it.
_BUTTON = re.compile(
    r"consentbot\.review\.([0-9a-f]{32})\.(stop|keep)(?:\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?))?"
)


@dataclass(frozen=True, slots=True)
class Tap:
    """A tap on one of the question's buttons: which item, which answer, in which language."""

    item_id: str
    answer: Answer
    language: str | None = None


def button_id(item_id: str, answer: Answer, language: str | None = None) -> str:
    """The reply id of the button that gives `answer` to review item `item_id`."""
    tap = f"consentbot.review.{item_id}.{answer.value}" + (f".{language}" if language else "")
    if parse_button_id(tap) != Tap(item_id, answer, language):
        raise ValueError(f"not a review item id or language: {item_id!r}, {language!r}")
    return tap


def parse_button_id(reply_id: str | None) -> Tap | None:
    """The tap a reply id stands for, or None when it is not one of the question's buttons."""
    if not reply_id:
        return None
    match = _BUTTON.fullmatch(reply_id)
    if match is None:
        return None
    return Tap(match[1], Answer(match[2]), match[3])


def tap_verdict(tap: Tap) -> Verdict:
    """What a tap says: "Stop offers" is an opt-out of marketing, "Keep receiving" nothing
    new (it lifts the hold, through the item's resolution, but consents to nothing)."""
    if tap.answer is Answer.STOP:
        return Verdict(Intent.OPT_OUT, frozenset({MARKETING}), tap.language, tap.answer.value)
    return Verdict(Intent.NONE, frozenset(), tap.language, None)


def answer_event(tap: Event) -> Event | None:
    """The resolution of the review item a tap answers (natural key `review:<item id>`, as
    an operator's resolution has), or None for any other event.

    The tap itself stays an event of its own (an opt-out for "Stop offers"), so a second
    tap still counts; the resolution only takes the item out of the queue and lifts the
    hold, and the first resolution, by the customer or an operator, is the one kept.
    """
    item = tap.evidence.get("review_of")
    answer = tap.evidence.get("answer")
    if not isinstance(item, str) or answer not in (Answer.STOP, Answer.KEEP):
        return None
    return Event(
        key=f"review:{item}",
        kind=Kind.REVIEWED,
        source=tap.source,
        occurred_at=tap.occurred_at,
        received_at=tap.received_at,
        phone=tap.phone,
        wa_id=tap.wa_id,
        user_id=tap.user_id,
        categories=frozenset({MARKETING}),
        phone_number_id=tap.phone_number_id,
        waba_id=tap.waba_id,
        language=tap.language,
        evidence={
            "review_of": item,
            "resolution": "opt_out" if answer == Answer.STOP else "none",
            "by": "customer",
            "answer": answer,
            "answer_event": tap.id,
            "wamid": tap.evidence.get("wamid"),
            "reply_id": tap.evidence.get("reply_id"),
            "title": tap.evidence.get("title"),
        },
    )


# -- when and what to reply ------------------------------------------------------------------


def window_end(inbound_at: datetime) -> datetime:
    return inbound_at + WINDOW


def in_window(inbound_at: datetime, now: datetime) -> bool:
    """Whether a free-form reply to a message sent at `inbound_at` may go out at `now`."""
    return now < window_end(inbound_at)


ReplyKind = Literal["opt_out", "opt_in", "help", "question"]


def reply_kind(event: Event) -> ReplyKind | None:
    """Which answer an event calls for, if any: only a customer's own WhatsApp message
    (natural key `msg:<wamid>`) is answered, never an operator's action or a status."""
    if not event.key.startswith("msg:") or event.phone_number_id is None:
        return None
    if event.kind in (Kind.OPT_OUT, Kind.COMPLAINT):
        return "opt_out"
    if event.kind is Kind.OPT_IN:
        return "opt_in"
    if event.kind is Kind.MESSAGE and event.evidence.get("intent") == Intent.HELP.value:
        return "help"
    if event.kind is Kind.REVIEW and event.evidence.get("suggested") != Kind.OPT_IN.value:
        # A reply that leans to an opt-in holds nothing, so there is nothing to ask.
        return "question"
    return None


def languages(detected: str | None, default: str) -> list[str]:
    """The languages to try, in order: the detected one, its base (`uz-Cyrl` → `uz`), the
    business's default and its base, then English."""
    tried = [detected, detected.split("-")[0] if detected else None, default, default.split("-")[0]]
    return list(dict.fromkeys(t for t in (*tried, FALLBACK_LANGUAGE) if t))


def recipient(event: Event) -> str | None:
    """Whom to answer: the customer's WhatsApp id as an international number (with `+`,
    so Meta never reads it as a national one), else the number on the event."""
    if event.wa_id:
        return "+" + event.wa_id
    return event.phone


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A reply to write to the outbox (the store's `NewReply`)."""

    id: str
    event_id: str
    kind: str
    phone_number_id: str
    recipient: str
    language: str
    body: Mapping[str, Any]
    expires_at: datetime


def reply_id(event: Event, kind: str) -> str:
    return event_id(f"reply:{event.id}:{kind}")


def reply_to(
    event: Event, lexicon: Lexicon, default_language: str, now: datetime
) -> Outgoing | None:
    """The reply `event` calls for now, or None: none is due, the window has closed, the
    customer cannot be addressed (a username without a number), or no text exists."""
    kind = reply_kind(event)
    to = recipient(event)
    if kind is None or to is None or event.phone_number_id is None:
        return None
    if not in_window(event.occurred_at, now):
        return None
    wamid = event.evidence.get("wamid")
    built = _message(
        kind, event, to, wamid if isinstance(wamid, str) else None, lexicon, default_language
    )
    if built is None:
        return None
    language, body = built
    return Outgoing(
        id=reply_id(event, kind),
        event_id=event.id,
        kind=kind,
        phone_number_id=event.phone_number_id,
        recipient=to,
        language=language,
        body=body,
        expires_at=window_end(event.occurred_at),
    )


def _message(
    kind: ReplyKind,
    event: Event,
    to: str,
    wamid: str | None,
    lexicon: Lexicon,
    default_language: str,
) -> tuple[str, dict[str, Any]] | None:
    for language in languages(event.language, default_language):
        if kind == "question":
            question = QUESTIONS.get(language)
            if question is not None:
                return language, question_message(to, event.id, question, language, wamid)
        else:
            text = lexicon.replies(language).get(kind)
            if text is not None:
                return language, text_message(to, text, wamid)
    return None


def _envelope(to: str, wamid: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
    }
    if wamid:
        body["context"] = {"message_id": wamid}  # quotes the customer's message
    return body


def text_message(to: str, text: str, wamid: str | None = None) -> dict[str, Any]:
    """A Graph API text message (`POST /{phone_number_id}/messages`)."""
    return {**_envelope(to, wamid), "type": "text", "text": {"preview_url": False, "body": text}}


def question_message(
    to: str, item_id: str, question: Question, language: str, wamid: str | None = None
) -> dict[str, Any]:
    """A Graph API interactive message with the question's two reply buttons."""
    buttons = [
        {"type": "reply", "reply": {"id": button_id(item_id, answer, language), "title": title}}
        for answer, title in ((Answer.STOP, question.stop), (Answer.KEEP, question.keep))
    ]
    return {
        **_envelope(to, wamid),
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": question.body},
            "action": {"buttons": buttons},
        },
    }


def replies_for(
    events: Sequence[Event], lexicon: Lexicon, default_language: str, now: datetime
) -> list[Outgoing]:
    """The replies a batch of new events calls for."""
    out = [reply_to(e, lexicon, default_language, now) for e in events]
    return [o for o in out if o is not None]


# -- what the Graph API's answer means -------------------------------------------------------

Outcome = Literal["sent", "retry", "dead", "expired"]

# Graph error codes that mean "too much, too fast": try again later.
THROTTLED_CODES: Final = frozenset({130429, 131056, 4, 80007})
# The customer-service window has closed (re-engagement message): nothing will fix it.
WINDOW_CLOSED_CODE: Final = 131047


def outcome(status: int | None, error_code: int | None) -> Outcome:
    """What one attempt's answer means: `status` None is no answer at all (a timeout or a
    broken connection), which is tried again, like 5xx and throttling (HTTP 429, Graph
    codes 130429 and 131056); any other 4xx is permanent."""
    if status is not None and 200 <= status < 300:
        return "sent"
    if error_code == WINDOW_CLOSED_CODE:
        return "expired"
    if status is None or status >= 500 or status == 429 or error_code in THROTTLED_CODES:
        return "retry"
    return "dead"
