"""What a button or interactive opt-out covers: `{"all"}` when it says so, else marketing.

Payload markers and labels declared with scope "all" in the button map, a business file
declaring scope per entry, the lexicon fallback for labels the map does not list, and the
real webhook end to end.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.intent import (
    ALL,
    MARKETING,
    NO_INTENT,
    ButtonMap,
    Intent,
    Verdict,
    classify_button,
    classify_interactive,
    normalise,
)
from bot.intent.buttons import ALL_WORDS, SCOPES
from bot.settings import Settings
from storage.base import Store
from tests import meta
from tests.conftest import AiohttpClient, make_settings, post_signed

Client = TestClient[Any, Any]

DEFAULT = ButtonMap.default()
OUT, IN, NONE = Intent.OPT_OUT, Intent.OPT_IN, Intent.NONE
EVERYTHING = frozenset({ALL})
PROMOS = frozenset({MARKETING})


# ---------------------------------------------------------------------------
# The shipped map
# ---------------------------------------------------------------------------

PAYLOAD_CASES = [
    pytest.param("UNSUBSCRIBE_ALL", None, EVERYTHING, id="unsubscribe-all"),
    pytest.param("unsubscribe_all_messages", None, EVERYTHING, id="unsubscribe-all-lower"),
    pytest.param("STOP_ALL", None, EVERYTHING, id="stop-all"),
    pytest.param("OPTOUT_ALL", None, EVERYTHING, id="optout-all"),
    pytest.param("opt_out_all|camp=7", None, EVERYTHING, id="opt-out-all-with-campaign"),
    pytest.param("OPT-OUT-ALL", "Stop", EVERYTHING, id="payload-all-beats-plain-label"),
    pytest.param("STOP_EVERYTHING", None, EVERYTHING, id="stop-everything"),
    pytest.param("UNSUBSCRIBE", None, PROMOS, id="unsubscribe-stays-marketing"),
    pytest.param("promo_unsubscribe_42", None, PROMOS, id="unsubscribe-inside"),
    pytest.param("OPTOUT", None, PROMOS, id="optout"),
    pytest.param("STOP_PROMO", None, PROMOS, id="stop-promo"),
    pytest.param("OPTOUT_MARKETING", "Отписаться", PROMOS, id="marketing-marker-and-label"),
    # A generic payload with a label that says "all": what the customer saw counts.
    pytest.param("OPTOUT", "Отписаться от всего", EVERYTHING, id="label-widens-payload"),
    pytest.param("OPTOUT", "Stop all messages", EVERYTHING, id="label-widens-payload-en"),
    pytest.param("OPTOUT", "Alle abbestellen", EVERYTHING, id="lexicon-label-widens-payload"),
    pytest.param("OPTOUT", "Stop promotions", PROMOS, id="marketing-label-stays"),
]


@pytest.mark.parametrize(("payload", "label", "categories"), PAYLOAD_CASES)
def test_payload_scope(payload: str, label: str | None, categories: frozenset[str]) -> None:
    verdict = classify_button(payload, label, DEFAULT)
    assert verdict.intent is OUT
    assert verdict.categories == categories
    assert verdict.matched == payload


def test_the_longest_opt_out_marker_decides() -> None:
    order = [marker for marker, _ in DEFAULT._opt_out_order]
    assert order.index("unsubscribe_all") < order.index("unsubscribe")
    assert order.index("opt_out_all") < order.index("opt_out")
    assert [len(marker) for marker in order] == sorted(map(len, order), reverse=True)


@pytest.mark.parametrize(
    ("payload", "intent", "categories"),
    [
        # Opt-out markers are tried before opt-in ones: "UNSUBSCRIBE_ALL" holds "SUBSCRIBE".
        pytest.param("UNSUBSCRIBE_ALL", OUT, EVERYTHING, id="all-holds-subscribe"),
        pytest.param("RESUBSCRIBE_ALL", IN, PROMOS, id="resubscribe-is-opt-in"),
        pytest.param("SUBSCRIBE_BACK", IN, PROMOS, id="subscribe-back"),
        pytest.param("OPTIN_ALL", IN, PROMOS, id="opt-in-all-stays-marketing"),
        pytest.param("OPT_OUT_THEN_OPT_IN", OUT, PROMOS, id="opt-out-first"),
    ],
)
def test_opt_in_markers_still_resolve(
    payload: str, intent: Intent, categories: frozenset[str]
) -> None:
    verdict = classify_button(payload, None, DEFAULT)
    assert (verdict.intent, verdict.categories) == (intent, categories)


LABEL_CASES = [
    pytest.param("Отписаться от всего", "ru", id="ru-all"),
    pytest.param("Отписаться от всех сообщений", "ru", id="ru-all-messages"),
    pytest.param("  ОТПИСАТЬСЯ ОТ ВСЕГО! ", "ru", id="ru-decorated"),
    pytest.param("Unsubscribe from all", "en", id="en-all"),
    pytest.param("Stop all messages", "en", id="en-stop-all-messages"),
    pytest.param("Unsubscribe from everything", "en", id="en-everything"),
    pytest.param("Darse de baja de todo", "es", id="es"),
    pytest.param("Detener todos los mensajes", "es", id="es-messages"),
    pytest.param("Descadastrar de tudo", "pt", id="pt"),
    pytest.param("Parar todas as mensagens", "pt", id="pt-messages"),
    pytest.param("Von allem abmelden", "de", id="de"),
    pytest.param("Alle Nachrichten stoppen", "de", id="de-messages"),
    pytest.param("Se désabonner de tout", "fr", id="fr"),
    pytest.param("Arrêter tous les messages", "fr", id="fr-messages"),
    pytest.param("Disiscriviti da tutto", "it", id="it"),
    pytest.param("Interrompi tutti i messaggi", "it", id="it-messages"),
    pytest.param("Tümünden çık", "tr", id="tr"),
    pytest.param("Hepsinden çık", "tr", id="tr-hepsi"),
    pytest.param("Відписатися від усього", "uk", id="uk"),
    pytest.param("Відписатися від усіх повідомлень", "uk", id="uk-messages"),
]


@pytest.mark.parametrize(("label", "language"), LABEL_CASES)
def test_all_labels_block_everything(label: str, language: str) -> None:
    expected = Verdict(OUT, EVERYTHING, language, normalise(label))
    assert classify_button(None, label, DEFAULT) == expected
    # The label sent as payload ("Unsubscribe from all" holds the marker "UNSUBSCRIBE").
    tap = classify_button(label, label, DEFAULT)
    assert (tap.intent, tap.categories, tap.language) == (OUT, EVERYTHING, language)
    assert classify_interactive("row_9", label, DEFAULT) == expected
    assert classify_interactive("btn_2", label, DEFAULT) == expected


@pytest.mark.parametrize(
    "label",
    [
        "Отписаться",
        "Стоп",
        "Stop",
        "Unsubscribe",
        "Opt out",
        "Stop promotions",
        "Unsubscribe from promos",
        "Остановить рекламу",
        "Parar promoções",
    ],
)
def test_plain_opt_out_labels_stay_marketing(label: str) -> None:
    verdict = classify_button(None, label, DEFAULT)
    assert (verdict.intent, verdict.categories) == (OUT, PROMOS)


def test_shipped_all_entries_are_opt_outs() -> None:
    assert DEFAULT.opt_out_all_labels <= DEFAULT.opt_out_labels
    assert set(DEFAULT.opt_out_all_payload_markers) <= set(DEFAULT.opt_out_payload_markers)
    assert normalise("Unsubscribe from all") in DEFAULT.opt_out_all_labels
    assert normalise("Stop") not in DEFAULT.opt_out_all_labels
    assert "UNSUBSCRIBE_ALL" in DEFAULT.opt_out_all_payload_markers
    assert "UNSUBSCRIBE" not in DEFAULT.opt_out_all_payload_markers


# ---------------------------------------------------------------------------
# Interactive replies: button_reply and list_reply
# ---------------------------------------------------------------------------

INTERACTIVE_CASES = [
    pytest.param("UNSUBSCRIBE_ALL", "Отписаться от всего", OUT, EVERYTHING, id="all-id-all-title"),
    pytest.param("menu_3", "Stop all messages", OUT, EVERYTHING, id="title-all"),
    pytest.param("stop_all", "Не беспокоить", OUT, EVERYTHING, id="id-all"),
    pytest.param("unsubscribe-row", "Отписка", OUT, PROMOS, id="row-unsubscribe"),
    pytest.param("menu_4", "Stop promotions", OUT, PROMOS, id="title-marketing"),
    pytest.param("row-4", "Subscribe again", IN, PROMOS, id="opt-in"),
    pytest.param("row-5", "Track all my orders", NONE, frozenset(), id="unrelated-all"),
]


@pytest.mark.parametrize(("reply_id", "title", "intent", "categories"), INTERACTIVE_CASES)
def test_interactive_scope(
    reply_id: str, title: str, intent: Intent, categories: frozenset[str]
) -> None:
    verdict = classify_interactive(reply_id, title, DEFAULT)
    assert (verdict.intent, verdict.categories) == (intent, categories)


# ---------------------------------------------------------------------------
# The lexicon fallback: labels the map does not list
# ---------------------------------------------------------------------------

FALLBACK_CASES = [
    # Read as an opt-out of everything and say "all": everything.
    pytest.param("Stop all please", EVERYTHING, id="en-all"),
    pytest.param("Alle abbestellen", EVERYTHING, id="de-alle"),
    pytest.param("Tout arrêter", EVERYTHING, id="fr-tout"),
    pytest.param("Parar tudo", EVERYTHING, id="pt-tudo"),
    pytest.param("Stop tutto", EVERYTHING, id="it-tutto"),
    pytest.param("Desuscribirme de todo", EVERYTHING, id="es-todo"),
    pytest.param("Отписаться от всех рассылок", EVERYTHING, id="ru-vseh"),
    pytest.param("Не присылать ничего", EVERYTHING, id="ru-nothing"),
    # A typed STOP covers everything, but a button saying only "stop" stays marketing.
    pytest.param("Stop please", PROMOS, id="en-plain"),
    pytest.param("Отписаться пожалуйста", PROMOS, id="ru-plain"),
    pytest.param("Se désabonner", PROMOS, id="fr-plain"),
    # An "all" word with a marketing request: the classifier says marketing.
    pytest.param("Stop all promotions", PROMOS, id="all-promotions"),
]


@pytest.mark.parametrize(("label", "categories"), FALLBACK_CASES)
def test_lexicon_fallback_scope(label: str, categories: frozenset[str]) -> None:
    assert normalise(label) not in DEFAULT.opt_out_labels
    verdict = classify_button("btn_7", label, DEFAULT)
    assert (verdict.intent, verdict.categories) == (OUT, categories)
    assert classify_interactive("row_7", label, DEFAULT).categories == categories


def test_all_words_cover_the_shipped_languages() -> None:
    """Stored without accents: «tümünden» is "tumunden", «всё» is «все»."""
    words = {"all", "всего", "всех", "todo", "tudo", "allem", "tout", "tutto", "tumunden"}
    assert words | {"усього", "всіх", "hepsinden", "все"} <= ALL_WORDS
    assert not {"stop", "promotions", "отписаться"} & ALL_WORDS


def test_a_map_label_keeps_its_declared_scope() -> None:
    """A label the map lists as marketing is not widened by its words."""
    custom = DEFAULT.merged(ButtonMap((), (), frozenset({"Stop all promos please"}), frozenset()))
    assert classify_button(None, "Stop all promos please", custom).categories == PROMOS
    custom = ButtonMap((), (), frozenset({"Alle abbestellen"}), frozenset())
    assert classify_button(None, "Alle abbestellen", custom).categories == PROMOS
    assert classify_button(None, "Alle abbestellen", DEFAULT).categories == EVERYTHING


def test_help_and_nothing_are_unchanged() -> None:
    assert classify_interactive("row_3", "Ajuda", DEFAULT).categories == frozenset()
    assert classify_button("BUY_ALL", "Buy all", DEFAULT) == NO_INTENT
    assert classify_button(None, None, DEFAULT) == NO_INTENT


# ---------------------------------------------------------------------------
# A business file declaring scope per entry
# ---------------------------------------------------------------------------


def _write(tmp_path: pathlib.Path, content: object) -> pathlib.Path:
    path = tmp_path / "buttons.json"
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


BUSINESS = {
    "opt_out_payload_markers": [
        "NO_DEALS",
        {"marker": "NO_MSGS", "scope": "all"},
        {"marker": "UNSUBSCRIBE_ALL_PROMOS", "scope": "marketing"},
    ],
    "opt_in_payload_markers": ["DEALS_AGAIN"],
    "opt_out_labels": [
        "Хватит акций",
        {"label": "Больше не писать", "scope": "all"},
        {"label": "Nada de ofertas", "scope": "marketing"},
    ],
    "opt_in_labels": ["Хочу акции"],
}

BUSINESS_CASES = [
    pytest.param("no_msgs_v2", None, OUT, EVERYTHING, id="all-marker"),
    pytest.param("NO_DEALS", None, OUT, PROMOS, id="string-marker"),
    pytest.param(None, "Больше не писать!", OUT, EVERYTHING, id="all-label"),
    pytest.param(None, "Хватит акций", OUT, PROMOS, id="string-label"),
    pytest.param(None, "Nada de ofertas", OUT, PROMOS, id="explicit-marketing-label"),
    # The longest marker decides: a business narrows a shipped all-scope marker.
    pytest.param("UNSUBSCRIBE_ALL_PROMOS", None, OUT, PROMOS, id="longer-marketing-marker"),
    pytest.param("UNSUBSCRIBE_ALL", None, OUT, EVERYTHING, id="shipped-all-marker"),
    pytest.param("DEALS_AGAIN", None, IN, PROMOS, id="opt-in"),
    pytest.param(None, "Stop promotions", OUT, PROMOS, id="shipped-label"),
    pytest.param(None, "Von allem abmelden", OUT, EVERYTHING, id="shipped-all-label"),
]


@pytest.mark.parametrize(("payload", "label", "intent", "categories"), BUSINESS_CASES)
def test_business_file_declares_scope_per_entry(
    tmp_path: pathlib.Path,
    payload: str | None,
    label: str | None,
    intent: Intent,
    categories: frozenset[str],
) -> None:
    buttons = DEFAULT.merged(ButtonMap.from_file(_write(tmp_path, BUSINESS)))
    verdict = classify_button(payload, label, buttons)
    assert (verdict.intent, verdict.categories) == (intent, categories)
    reply = classify_interactive(payload or "row_1", label, buttons)
    assert (reply.intent, reply.categories) == (intent, categories)


def test_business_file_loads_into_the_map(tmp_path: pathlib.Path) -> None:
    custom = ButtonMap.from_file(_write(tmp_path, BUSINESS))
    assert custom.opt_out_payload_markers == ("NO_DEALS", "NO_MSGS", "UNSUBSCRIBE_ALL_PROMOS")
    assert custom.opt_out_all_payload_markers == ("NO_MSGS",)
    assert custom.opt_out_labels == frozenset(
        {"хватит акций", "больше не писать", "nada de ofertas"}
    )
    assert custom.opt_out_all_labels == frozenset({"больше не писать"})


def test_the_old_format_still_means_marketing(tmp_path: pathlib.Path) -> None:
    old = {
        "opt_out_payload_markers": ["SHOP_NO_ADS", "NO_MSGS"],
        "opt_out_labels": ["Хватит акций", "Больше не писать"],
    }
    custom = ButtonMap.from_file(_write(tmp_path, old))
    assert custom.opt_out_all_payload_markers == ()
    assert custom.opt_out_all_labels == frozenset()
    assert classify_button("no_msgs", None, custom).categories == PROMOS
    assert classify_button(None, "Больше не писать", custom).categories == PROMOS


def test_a_plain_string_does_not_narrow_a_shipped_all_entry(tmp_path: pathlib.Path) -> None:
    """A business file copied from the old shipped map keeps the new all-scope entries."""
    old_copy = {"opt_out_payload_markers": ["unsubscribe_all"], "opt_out_labels": ["Stop all"]}
    buttons = DEFAULT.merged(ButtonMap.from_file(_write(tmp_path, old_copy)))
    assert classify_button("UNSUBSCRIBE_ALL", None, buttons).categories == EVERYTHING
    assert classify_button(None, "Stop all", buttons).categories == EVERYTHING


def test_constructor_takes_all_scope_entries() -> None:
    buttons = ButtonMap(
        ("NOPE",),
        (),
        frozenset(),
        frozenset(),
        opt_out_all_payload_markers=(" NOPE_ALL ",),
        opt_out_all_labels=frozenset({"Хватит всего!"}),
    )
    assert buttons.opt_out_payload_markers == ("NOPE", "NOPE_ALL")
    assert buttons.opt_out_all_payload_markers == ("NOPE_ALL",)
    assert buttons.opt_out_labels == frozenset({"хватит всего"})
    assert classify_button("nope_all_1", None, buttons).categories == EVERYTHING
    assert classify_button("nope_1", None, buttons).categories == PROMOS
    assert classify_button(None, "хватит всего", buttons).categories == EVERYTHING
    assert SCOPES == (MARKETING, ALL)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            {"opt_out_labels": [{"label": "Stop all", "scope": "everything"}]},
            'opt_out_labels[0] {"label": "Stop all", "scope": "everything"}: '
            "unknown scope 'everything'; allowed scopes are ['marketing', 'all']",
            id="unknown-scope-label",
        ),
        pytest.param(
            {"opt_out_payload_markers": ["OK", {"marker": "NO_MSGS", "scope": "utility"}]},
            'opt_out_payload_markers[1] {"marker": "NO_MSGS", "scope": "utility"}: '
            "unknown scope 'utility'",
            id="unknown-scope-marker",
        ),
        pytest.param(
            {"opt_out_labels": [{"label": "Stop all", "scope": "ALL"}]},
            "unknown scope 'ALL'",
            id="scope-is-case-sensitive",
        ),
        pytest.param(
            {"opt_out_labels": [{"label": "Stop all"}]},
            'opt_out_labels[0] {"label": "Stop all"}: expected {"label": string, "scope": string}',
            id="missing-scope",
        ),
        pytest.param(
            {"opt_out_labels": [{"label": "Stop all", "scope": None}]},
            "opt_out_labels[0]",
            id="null-scope",
        ),
        pytest.param(
            {"opt_out_payload_markers": [{"label": "NO_MSGS", "scope": "all"}]},
            "unknown keys ['label']",
            id="label-key-in-marker-list",
        ),
        pytest.param(
            {"opt_out_labels": [{"label": "Stop", "scope": "all", "note": "x"}]},
            "unknown keys ['note']",
            id="extra-key",
        ),
        pytest.param(
            {"opt_out_labels": [["Stop"]]},
            'opt_out_labels[0] ["Stop"]: expected a string or {"label": string',
            id="list-entry",
        ),
        pytest.param(
            {"opt_out_labels": [{"label": 3, "scope": "all"}]},
            "opt_out_labels[0]",
            id="non-string-label",
        ),
        pytest.param(
            {"opt_out_payload_markers": [{"marker": " ", "scope": "all"}]},
            "empty marker",
            id="empty-marker",
        ),
        pytest.param(
            {"opt_out_labels": [{"label": "🛑", "scope": "all"}]},
            "no words",
            id="label-without-words",
        ),
        pytest.param(
            {"opt_out_labels": ["Stop all", {"label": "STOP ALL!", "scope": "all"}]},
            'opt_out_labels[1] {"label": "STOP ALL!", "scope": "all"}: '
            "'STOP ALL!' is also listed as 'Stop all' with scope 'marketing'",
            id="two-scopes-label",
        ),
        pytest.param(
            {"opt_out_payload_markers": [{"marker": "NO_MSGS", "scope": "all"}, "no_msgs"]},
            "opt_out_payload_markers[1] \"no_msgs\": 'no_msgs' is also listed as 'NO_MSGS'",
            id="two-scopes-marker",
        ),
        pytest.param(
            {"opt_in_labels": [{"label": "Subscribe all", "scope": "all"}]},
            "'opt_in_labels' must be a list of strings",
            id="scope-on-opt-in",
        ),
        pytest.param(
            {"opt_out_labels": {"label": "Stop", "scope": "all"}},
            "'opt_out_labels' must be a list",
            id="object-instead-of-list",
        ),
        pytest.param(
            {
                "opt_out_labels": [{"label": "Stop everything", "scope": "all"}],
                "opt_in_labels": ["Stop everything"],
            },
            "both opt-out and opt-in",
            id="all-label-also-opt-in",
        ),
    ],
)
def test_invalid_scope_entries_are_rejected(
    tmp_path: pathlib.Path, content: object, message: str
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(ValueError, match="button map") as caught:
        ButtonMap.from_file(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


# ---------------------------------------------------------------------------
# End to end: a signed webhook through the real app
# ---------------------------------------------------------------------------


def _messages(*items: dict[str, object]) -> dict[str, object]:
    return meta.body(meta.messages_change(*items))


async def _categories(client: Client, make_token: Any) -> dict[str, Any]:
    headers = await make_token("operator")
    resp = await client.get("/v1/contacts/+79991234567", headers=headers)
    assert resp.status == 200, await resp.text()
    doc: dict[str, Any] = await resp.json()
    categories: dict[str, Any] = doc["categories"]
    return categories


@pytest.mark.parametrize(
    ("message", "utility_eligible"),
    [
        pytest.param(
            meta.button_message("Отписаться от всего", "UNSUBSCRIBE_ALL"), False, id="all-payload"
        ),
        pytest.param(meta.button_message("Stop promotions", "STOP_PROMO"), True, id="marketing"),
        pytest.param(
            meta.interactive_list_reply("menu_9", "Stop all messages"), False, id="list-reply-all"
        ),
        pytest.param(
            meta.interactive_button_reply("btn_1", "Stop promotions"), True, id="reply-marketing"
        ),
    ],
)
async def test_webhook_button_scope(
    client: Client,
    store: Store,
    make_token: Any,
    message: dict[str, object],
    utility_eligible: bool,
) -> None:
    resp = await post_signed(client, _messages(message))
    assert resp.status == 200
    assert await store.quarantined() == []
    categories = await _categories(client, make_token)
    assert categories["marketing"]["eligible"] is False
    assert "opted_out" in categories["marketing"]["reasons"]
    assert categories["utility"]["eligible"] is utility_eligible
    assert ("opted_out" in categories["utility"]["reasons"]) is (not utility_eligible)
    kinds = [(b["kind"], b["source"]) for b in categories["marketing"]["blocks"]]
    assert kinds
    assert kinds[0][0] == "user_request"


async def test_webhook_business_file_scope(
    aiohttp_client: AiohttpClient,
    tmp_path: pathlib.Path,
    settings: Settings,
    store: Store,
    make_token: Any,
) -> None:
    path = _write(tmp_path, {"opt_out_payload_markers": [{"marker": "NO_MSGS", "scope": "all"}]})
    custom = make_settings(tmp_path, database_url=settings.database_url, buttons_file=path)
    client = await aiohttp_client(create_app(custom, store=store))
    resp = await post_signed(client, _messages(meta.button_message("Хватит", "no_msgs_2026")))
    assert resp.status == 200
    categories = await _categories(client, make_token)
    assert categories["marketing"]["eligible"] is False
    assert categories["utility"]["eligible"] is False
