"""A request among other words is the request, unless those words may change its meaning."""

from __future__ import annotations

import pytest

from bot.intent import Intent, classify_text
from bot.intent.doubt import doubtful
from bot.intent.text import fold


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


def test_the_model_never_opts_anyone_in_by_itself() -> None:
    from bot.intent.decide import weigh
    from bot.intent.verdict import NO_INTENT

    sure_opt_in = (0.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    verdict = weigh(NO_INTENT, "верните рассылку", sure_opt_in, lambda _: "ru", "v1")
    assert (verdict.intent, verdict.suggested) == (Intent.REVIEW, Intent.OPT_IN)
    assert verdict.matched == "model v1:opt_in:1.00"
    sure_stop = (0.0, 0.9, 0.0, 0.1, 0.0, 0.0)
    assert weigh(NO_INTENT, "хватит", sure_stop, lambda _: "ru").intent is Intent.OPT_OUT


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


def test_the_model_releases_a_review_only_when_all_but_certain() -> None:
    from bot.intent.decide import RELEASE, weigh
    from bot.intent.verdict import Verdict

    review = Verdict(Intent.REVIEW, frozenset({"all"}), "en", "stop", Intent.OPT_OUT, "x")
    fairly_sure = (RELEASE - 0.05, 0.05, 0.0, 0.0, 0.0, 0.0)
    assert weigh(review, "stop?", fairly_sure, lambda _: "en") is review
    certain = (RELEASE, 0.0, 0.0, 0.0, 0.0, 1 - RELEASE)
    assert weigh(review, "stop?", certain, lambda _: "en").intent is Intent.NONE
