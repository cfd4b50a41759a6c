"""A request among other words is the request, unless those words may change its meaning."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.intent import Intent, classify_text
from bot.intent.classify import DEFAULT_LEXICON_RESOURCE, Lexicon, _default_data
from bot.intent.doubt import doubtful
from bot.intent.model import LABELS, IntentModel
from bot.intent.text import fold
from bot.intent.verdict import NO_INTENT as NO_INTENT_REVIEWLESS


@pytest.mark.parametrize(
    "text",
    [
        "Kindly stop sending me messages. Regards, Tom",
        "Добрый день! Пожалуйста, больше не присылайте мне сообщения. С уважением, Игорь",
        "STOP!!! I moved to another city",
        "Вы ошиблись номером, я не Светлана. Уберите номер",
    ],
)
def test_a_request_with_words_around_it_is_the_request(text: str) -> None:
    assert classify_text(text).intent in (Intent.OPT_OUT, Intent.COMPLAINT)


@pytest.mark.parametrize(
    "text",
    [
        "Стоп, а где мой заказ? Уже неделю жду",
        "Если ещё раз пришлёте рекламу, отпишусь",
        "Не пишите мне про акции, а по заказу пишите",
        "stop the ads but where is my refund?",
        "Stop sending promos. Where is my parcel?",
    ],
)
def test_a_request_next_to_a_contrast_a_condition_or_another_question_waits(text: str) -> None:
    assert classify_text(text).intent is Intent.REVIEW


@pytest.mark.parametrize(
    ("text", "phrase", "language", "expected"),
    [
        ("stop it. where is my order?", "stop", "en", True),
        ("why do you keep texting, stop?", "stop", "en", False),
        ("stop but thanks", "stop", "en", True),
        ("stop now", "stop", "en", False),
        ("стоп но спасибо", "стоп", None, True),  # no language: every language's markers
    ],
)
def test_doubt(text: str, phrase: str, language: str | None, expected: bool) -> None:
    assert doubtful(fold(text).split(" "), text, phrase, language) is expected


@pytest.mark.parametrize(
    "text",
    [
        "я случайно написала стоп, подпишите меня обратно",
        "I unsubscribed by accident, subscribe me again",
    ],
)
def test_an_opt_out_taken_back_is_an_opt_in(text: str) -> None:
    assert classify_text(text).intent is Intent.OPT_IN


@pytest.mark.parametrize(
    "text",
    ["стоп или старт", "stop, do not subscribe me back", "Stop. I did not sign up by mistake"],
)
def test_a_conflict_without_regret_or_with_a_negation_waits(text: str) -> None:
    assert classify_text(text).intent is not Intent.OPT_IN


def test_the_model_opts_in_only_when_sure_and_nothing_reads_as_a_stop() -> None:
    from bot.intent.decide import NO_STOP, OPT_IN_SURE, weigh
    from bot.intent.verdict import NO_INTENT, Verdict

    sure_opt_in = (0.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    verdict = weigh(NO_INTENT, "верните рассылку", sure_opt_in, lambda _: "ru", "v1")
    assert (verdict.intent, verdict.categories) == (Intent.OPT_IN, frozenset({"all"}))
    assert verdict.matched == "model v1:opt_in:1.00"
    offers = weigh(NO_INTENT, "шлите акции", sure_opt_in, lambda _: "ru", marketing=True)
    assert offers.categories == frozenset({"marketing"})
    # Less sure, or a stop the model half reads: a person confirms, nothing is held.
    unsure = (1 - OPT_IN_SURE + 0.02, 0.0, 0.0, 0.0, OPT_IN_SURE - 0.02, 0.0)
    leaning = weigh(NO_INTENT, "верните рассылку", unsure, lambda _: "ru")
    assert (leaning.intent, leaning.suggested) == (Intent.REVIEW, Intent.OPT_IN)
    stop_read = (0.0, NO_STOP, 0.0, 0.0, 1 - NO_STOP, 0.0)
    assert weigh(NO_INTENT, "x", stop_read, lambda _: "ru").intent is Intent.REVIEW
    # The rules found a stop: never an opt-in, however sure the model is.
    found = Verdict(Intent.REVIEW, frozenset({"all"}), "ru", "стоп", Intent.OPT_OUT, "x")
    assert weigh(found, "стоп", sure_opt_in, lambda _: "ru").intent is Intent.REVIEW
    sure_stop = (0.0, 0.9, 0.0, 0.1, 0.0, 0.0)
    assert weigh(NO_INTENT, "хватит", sure_stop, lambda _: "ru").intent is Intent.OPT_OUT


_PROBABILITIES = (
    st.lists(st.floats(0, 1), min_size=6, max_size=6)
    .filter(lambda xs: sum(xs) > 0)
    .map(lambda xs: tuple(x / sum(xs) for x in xs))
)


@given(p=_PROBABILITIES, suggested=st.sampled_from([Intent.OPT_OUT, Intent.COMPLAINT]))
def test_a_stop_the_rules_found_is_never_read_as_an_opt_in_nor_released_unread(
    p: tuple[float, ...], suggested: Intent
) -> None:
    from bot.intent.decide import RELEASE, weigh
    from bot.intent.verdict import Verdict

    found = Verdict(Intent.REVIEW, frozenset({"all"}), "en", "stop", suggested, "other_content")
    verdict = weigh(found, "stop it", p, lambda _: "en")
    assert verdict.intent is not Intent.OPT_IN
    if verdict.intent is Intent.NONE:
        assert p[0] >= RELEASE
        assert sum(p[1:4]) < 0.5


def test_the_rules_and_the_model_agreeing_on_a_stop_decide_it_unless_asked() -> None:
    from bot.intent.decide import AGREE, STOP, weigh
    from bot.intent.verdict import Verdict

    found = Verdict(Intent.REVIEW, frozenset({"all"}), "hi", "निकाल दीजिए", Intent.OPT_OUT, "x")
    agreeing = (1 - AGREE, AGREE, 0.0, 0.0, 0.0, 0.0)
    assert AGREE < STOP
    assert weigh(found, "…कृपया नंबर निकाल दीजिए", agreeing, lambda _: "hi").intent is Intent.OPT_OUT
    assert weigh(found, "नंबर निकाल दीजिए?", agreeing, lambda _: "hi") is found
    assert weigh(NO_INTENT_REVIEWLESS, "x", agreeing, lambda _: "hi").intent is Intent.NONE


@pytest.mark.parametrize(
    "text",
    [
        "how many times do I have to say stop?",
        "how dare you text me again? stop",
        "Сколько можно, как вас отписать? СТОП",
        "Как же вы достали, отпишите меня",
    ],
)
def test_an_angry_question_is_never_taken_for_help_or_released(text: str) -> None:
    assert classify_text(text).intent in (Intent.OPT_OUT, Intent.COMPLAINT, Intent.REVIEW)


def test_the_model_releases_a_review_only_to_ordinary_conversation_it_is_sure_of() -> None:
    from bot.intent.decide import RELEASE, weigh
    from bot.intent.verdict import Verdict

    review = Verdict(Intent.REVIEW, frozenset({"all"}), "en", "stop", Intent.OPT_OUT, "x")
    fairly_sure = (RELEASE - 0.05, 0.05, 0.0, 0.0, 0.0, 0.0)
    assert weigh(review, "stop?", fairly_sure, lambda _: "en") is review
    certain = (RELEASE, 0.0, 0.0, 0.0, 0.0, 1 - RELEASE)
    assert weigh(review, "stop?", certain, lambda _: "en").intent is Intent.NONE


@pytest.mark.parametrize(
    "text",
    [
        "how many times do I have to say stop?",
        "Сколько можно? Отпишите меня уже",
        "¿Cuántas veces tengo que decir que no me manden nada?",
        "wie oft soll ich noch schreiben: keine Nachrichten mehr",
    ],
)
def test_a_stop_asked_again_is_the_stop(text: str) -> None:
    assert classify_text(text).intent in (Intent.OPT_OUT, Intent.COMPLAINT)


def test_a_stop_asked_again_with_a_contrast_waits_for_a_person() -> None:
    verdict = classify_text("how many times do I have to say stop, but where is my refund?")
    assert verdict.intent is Intent.REVIEW


@pytest.mark.parametrize("text", ["𦭉", "ㅋㅋㅋ", "我想知道价格"])
def test_the_model_does_not_read_text_in_a_script_the_lexicon_does_not_know(text: str) -> None:
    from bot.intent.decide import weigh

    sure_stop = (0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    assert weigh(NO_INTENT_REVIEWLESS, text, sure_stop, lambda _: None) is NO_INTENT_REVIEWLESS
    assert classify_text(text).intent is Intent.NONE


@pytest.mark.parametrize(
    "text",
    [
        "Liebes Team, danke für die tolle Zeit, aber ich möchte ab sofort keine Nachrichten mehr",
        "Chicos, gracias por todo, pero a partir de hoy no quiero recibir ningún mensaje",
    ],
)
def test_a_contrast_before_the_request_turns_to_it(text: str) -> None:
    assert classify_text(text).intent in (Intent.OPT_OUT, Intent.COMPLAINT)


@pytest.mark.parametrize(
    "text",
    [
        "stop the ads but where is my refund",
        "Если ещё раз пришлёте рекламу, отпишусь",
        "unsubscribe me when the sale ends",
    ],
)
def test_a_contrast_after_the_request_or_a_condition_anywhere_waits(text: str) -> None:
    assert classify_text(text).intent not in (Intent.OPT_OUT, Intent.COMPLAINT)


def _constant_model(p: tuple[float, ...]) -> IntentModel:
    """A model that reads every message the same: probabilities ``p`` in label order."""
    weights = np.zeros((16, len(LABELS)), dtype=np.float16)
    return IntentModel(weights, np.log(np.asarray(p, dtype=np.float32)))


def _with_model(p: tuple[float, ...]) -> Lexicon:
    return Lexicon((_default_data(), DEFAULT_LEXICON_RESOURCE), model=_constant_model(p))


def test_a_conflict_is_settled_by_the_model_only_towards_the_stop() -> None:
    sure_stop = _with_model((0.05, 0.9, 0.01, 0.01, 0.02, 0.01))
    assert sure_stop.classify_text("стоп или старт").intent is Intent.OPT_OUT
    unsure = _with_model((0.3, 0.5, 0.01, 0.01, 0.17, 0.01))
    assert unsure.classify_text("стоп или старт").intent is Intent.REVIEW
    sure_opt_in = _with_model((0.01, 0.01, 0.01, 0.01, 0.95, 0.01))
    assert sure_opt_in.classify_text("стоп или старт").intent is Intent.REVIEW


def test_a_guarded_request_is_settled_by_the_model_only_when_all_but_certain() -> None:
    text = "Não para não, adoro as promoções"
    sure_stop = _with_model((0.05, 0.9, 0.01, 0.01, 0.02, 0.01))
    assert sure_stop.classify_text(text).intent is not Intent.OPT_OUT
    assert sure_stop.classify_text("bus stop near you?").intent is Intent.NONE
    certain = _with_model((0.005, 0.96, 0.01, 0.005, 0.01, 0.01))
    assert certain.classify_text("I am not your customer. Never was. Stop messaging").intent is (
        Intent.OPT_OUT
    )


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to unsubscribe, just change my email",
        "Unsubscribe from what? I want the discount",
        "Отписаться от чего? Мне нужна скидка",
        "Не хочу відписуватися, просто змініть адресу",
        "Abmelden wovon? Ich will nur den Gutschein",
        "No quiero darme de baja, solo cambiar la dirección",
        "Não quero sair da lista, só mudar o endereço",
        "Je ne veux pas me désabonner, juste changer d'adresse",
        "Non voglio disiscrivermi, solo cambiare indirizzo",
        "Listeden çıkmak istemiyorum, adresimi güncelleyin",
        "jangan berhenti kirim promo ya kak",
        "لا توقفوا العروض",
        "offers band mat karo",
        "to'xtatmang, aksiyalar yoqadi",
    ],
)
def test_a_denied_stop_is_not_a_stop(text: str) -> None:
    assert classify_text(text).intent not in (Intent.OPT_OUT, Intent.COMPLAINT)


def test_a_stop_named_as_a_mistake_is_taken_back_only_when_the_model_reads_an_opt_in() -> None:
    text = "Me di de baja por error, vuelvan a agregarme"
    reads_opt_in = _with_model((0.01, 0.01, 0.01, 0.01, 0.95, 0.01))
    verdict = reads_opt_in.classify_text(text)
    assert verdict.intent is Intent.OPT_IN
    assert verdict.matched is not None
    assert "opt_in:0.95" in verdict.matched
    reads_stop = _with_model((0.01, 0.9, 0.01, 0.01, 0.06, 0.01))
    assert reads_stop.classify_text(text).intent is not Intent.OPT_IN
    # No word of a mistake: the stop stays with a person, whatever the model reads.
    assert reads_opt_in.classify_text("Me di de baja, vuelvan a agregarme").intent is not (
        Intent.OPT_IN
    )


def test_a_request_beside_a_contrast_is_decided_only_when_the_model_is_all_but_certain() -> None:
    from bot.intent.decide import SURE_STOP

    text = "stop the ads but where is my refund"
    certain = _with_model((0.01, 0.01, SURE_STOP + 0.01, 0.01, 0.01, 0.01))
    assert certain.classify_text(text).intent is Intent.OPT_OUT
    fairly_sure = _with_model((0.05, 0.01, SURE_STOP - 0.05, 0.01, 0.02, 0.01))
    assert fairly_sure.classify_text(text).intent is Intent.REVIEW


def test_a_stop_named_beside_words_of_coming_back_is_taken_back_when_the_model_agrees() -> None:
    from bot.intent.decide import TAKEN_BACK

    text = "I wrote STOP last week but I want the offers again"
    agrees = _with_model((0.05, 0.02, 0.02, 0.01, TAKEN_BACK + 0.05, 0.05))
    assert agrees.classify_text(text).intent is Intent.OPT_IN
    torn = _with_model((0.04, 0.15, 0.05, 0.005, TAKEN_BACK - 0.05, 0.005))
    assert torn.classify_text(text).intent is not Intent.OPT_IN
    # A negation keeps it with a person, whatever the model reads.
    assert agrees.classify_text("stop, do not send me offers again").intent is not Intent.OPT_IN
