"""Labelled synthetic customer replies for training :mod:`bot.intent.model`.

The lexicon (``bot/data/lexicon.json``) lists what customers say; real replies say it with
everything around it: greetings, names and signatures, "please" in every position, reasons
("I moved to another city", "wrong number"), voice-to-text run-ons without punctuation,
exclamations and mild profanity, typos, look-alike digits ("st0p"), words typed with the
keyboard in the wrong language («ыещз» for "stop", "jngbibnt" for «отпишите»), romanised
Cyrillic and Uzbek in either script. :func:`generate` makes such messages from the
lexicon's phrases (expanded with :func:`bot.intent.lexicon.expand`, the function the index
uses) and from the per-language words and templates below, with a label from
:data:`bot.intent.model.LABELS`.

Negatives (``none``) are plentiful and hard: ordinary questions and thanks, photo captions,
the lexicon's guard phrases ("bus stop", "cancel my order", «стоп-кран»), a bare "no", and
messages that mention unsubscribing or stopping without asking for it ("Unsubscribe from
what? I want the discount"), all with the same noise as the requests, so that the noise
itself says nothing about the label.

Everything is deterministic for a seed (:class:`random.Random`) and pure: the only input is
the shipped lexicon.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from importlib import resources
from typing import Final

from bot.intent.classify import DEFAULT_LEXICON_RESOURCE, default_lexicon
from bot.intent.keyboard import to_cyrillic, to_latin
from bot.intent.lexicon import LanguageData, LexiconData, expand, parse_lexicon
from bot.intent.verdict import MARKETING, Intent

__all__ = [
    "LABEL_SLOTS",
    "LANGUAGES",
    "ROUND",
    "STOP_EMOJI",
    "Variant",
    "generate",
    "romanise",
    "uz_to_cyrillic",
    "uz_to_latin",
]

LANGUAGES: Final = (
    "ru",
    "en",
    "es",
    "pt",
    "de",
    "fr",
    "it",
    "tr",
    "uk",
    "kk",
    "uz",
    "uz-Cyrl",
    "id",
    "hi",
    "hi-Latn",
    "ar",
)
LABEL_SLOTS: Final = (
    "none",
    "none",
    "none",
    "none",
    "none",
    "opt_out",
    "opt_out",
    "opt_out",
    "opt_out_marketing",
    "opt_out_marketing",
    "complaint",
    "complaint",
    "opt_in",
    "opt_in",
    "help",
)
"""The labels of one language's turn, in proportion: five ordinary messages for every
three opt-outs, two of each of the other requests and one HELP."""

ROUND: Final = len(LANGUAGES) * len(LABEL_SLOTS)
"""Messages per round: :func:`generate` of at least this many has every label in every
language."""

STOP_EMOJI: Final = ("🛑", "⛔", "🚫", "✋")
_KEYWORDS: Final = (
    "STOP",
    "STOPALL",
    "STOP ALL",
    "UNSUBSCRIBE",
    "UNSUB",
    "UNREG",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "OPT OUT",
    "REMOVE",
)
"""SMS opt-out keywords, typed alone in any language."""
_LANGUAGE_KEYWORDS: Final[dict[str, tuple[str, ...]]] = {
    "ru": ("СТОП", "ОТПИСКА", "ОТПИСАТЬСЯ"),
    "es": ("BAJA", "ALTO"),
    "pt": ("SAIR", "PARAR"),
    "de": ("STOPP", "ABMELDEN"),
    "fr": ("ARRET", "DESABONNER"),
    "it": ("BASTA", "CANCELLAMI"),
    "tr": ("RET", "IPTAL", "DUR"),
    "uk": ("СТОП", "ВІДПИСКА"),
    "kk": ("СТОП", "ТОҚТАТ"),
    "uz": ("TO'XTAT",),
    "uz-Cyrl": ("СТОП", "ТЎХТАТ"),
    "id": ("BERHENTI", "STOP PROMO"),
    "hi": ("स्टॉप", "अनसब्सक्राइब"),
    "hi-Latn": ("BAND", "BAND KARO"),
    "ar": ("ستوب", "الغاء", "ايقاف"),
}
_DECORATION: Final = ("🙏", "😡", "🤬", "😊", "👍", "😂", "❤️", "😤", "🙄", "😅", "🤔", "👌")
_CYRILLIC_LANGUAGES: Final = frozenset({"ru", "uk", "kk", "uz-Cyrl"})
_ROMANISED: Final = frozenset({"ru", "uk", "kk"})
_OPT_OUTS: Final = frozenset({"opt_out", "opt_out_marketing"})


@dataclass(frozen=True, slots=True)
class Variant:
    """One synthetic message: its text, language tag, label and what it was made from."""

    text: str
    language: str
    label: str
    source: str


# ---------------------------------------------------------------------------
# Language packs
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pack:
    greet: tuple[str, ...]
    polite: tuple[str, ...]
    thanks: tuple[str, ...]
    sign: tuple[str, ...]
    names: tuple[str, ...]
    exclaim: tuple[str, ...]
    profanity: tuple[str, ...]
    reasons: tuple[str, ...]  # why someone leaves (said with opt-outs only)
    context: tuple[str, ...]  # neutral chatter for run-ons
    connect: tuple[str, ...]
    out_long: tuple[str, ...]  # long, polite or legal opt-outs
    wrong: tuple[str, ...]  # wrong-person replies: opt-outs
    mkt_long: tuple[str, ...]
    complaint_long: tuple[str, ...]
    in_long: tuple[str, ...]
    help_long: tuple[str, ...]
    how: tuple[str, ...]  # how do I turn these off? (a question, not the request: help)
    ordinary: tuple[str, ...]
    hard: tuple[str, ...]  # ordinary messages with request-like words


def _pack(**lists: str) -> _Pack:
    def lines(text: str) -> tuple[str, ...]:
        return tuple(line.strip() for line in text.strip().splitlines() if line.strip())

    return _Pack(**{name: lines(text) for name, text in lists.items()})


def _map_pack(pack: _Pack, convert: Callable[[str], str]) -> _Pack:
    """The same pack with every item converted (placeholders kept)."""

    def keep_placeholders(item: str) -> str:
        parts = _PLACEHOLDER.split(item)
        return "".join(p if _PLACEHOLDER.fullmatch(p) else convert(p) for p in parts)

    return _Pack(
        **{
            f.name: tuple(keep_placeholders(item) for item in getattr(pack, f.name))
            for f in fields(_Pack)
        }
    )


_PLACEHOLDER: Final = re.compile(r"(\{[a-z]+\})")


# ---------------------------------------------------------------------------
# Per-language words and templates. One item per line; "{name}", "{num}", "{size}" and
# "{price}" are filled in when a message is made.
# ---------------------------------------------------------------------------

_EN = _pack(
    greet="""
        Hello
        Hi
        Hey
        Good morning
        Good afternoon
        Good evening
        Dear team
        Hi there
        Hello support
        Dear Sir or Madam
    """,
    polite="""
        please
        pls
        plz
        kindly
        if you don't mind
        if possible
    """,
    thanks="""
        thank you
        thanks
        thx
        thanks in advance
        many thanks
        ty
        cheers
        thank you for understanding
    """,
    sign="""
        Regards
        Best regards
        Kind regards
        Sincerely
        Best
        Thanks
    """,
    names="""
        John
        Sarah
        Michael
        Emily
        David
        Jessica
        Chris
        Laura
        James
        Anna
        Mark
        Kate
    """,
    exclaim="""
        omg
        ugh
        seriously
        come on
        geez
        oh my god
        honestly
        well
    """,
    profanity="""
        damn
        hell
        wtf
        ffs
        bloody hell
        crap
        dammit
    """,
    reasons="""
        I moved to another city
        I am not your customer
        wrong number
        I no longer use your services
        I don't shop there anymore
        I get too many messages
        I already bought what I needed
        this is my work phone
        I live abroad now
        I changed my number
        I'm not interested anymore
    """,
    context="""
        I bought a jacket from you last year
        my phone keeps buzzing all day
        I am driving right now
        I was looking at your website yesterday
        I'm at work and can't talk
        my wife gave you this number
        I only ordered once
    """,
    connect="""
        and
        so
        because
        anyway
        like
        also
        and then
        ok so
    """,
    out_long="""
        I would kindly ask you to stop sending me any further messages
        Please remove my phone number from your mailing list, I do not want to receive anything else
        I hereby withdraw my consent to receive marketing or any other messages from your company
        I no longer wish to receive communications from you, please update your records
        Could you please stop texting this number, I don't want these messages anymore
        I am writing to request that you cease all messages to this number
        Please take me off all of your lists and don't contact me again
        I don't want to get any more WhatsApp messages from you guys
        I already asked you once, stop messaging me please
        Kindly unsubscribe my number from your broadcast list
        I withdraw my consent to the processing of my personal data and to any further messages
        Under data protection law I request that you erase my data and stop contacting me
    """,
    wrong="""
        Wrong number, I am not {name}
        You have the wrong person, there is no {name} here
        This is not {name}'s phone anymore, please stop writing
        I don't know any {name}, please remove this number
        Sorry, wrong number. {name} doesn't use this number anymore
        You've got the wrong number, this isn't {name}
    """,
    mkt_long="""
        Please stop sending me advertising and promotional offers
        I am not interested in your promotions, please don't send them anymore
        No more sales and discount messages for me please
        I don't need your special offers, stop sending them
        Please unsubscribe me from marketing messages
        Enough with the promos
        Would you kindly stop the advertising messages, thank you
        I'd appreciate it if you stopped sending me sales offers
        Please, no more coupons and promotions for me
        Unsubscribe me from the newsletter please
        Take me off the weekly newsletter
    """,
    complaint_long="""
        I never gave you permission to message me, this is spam and I will report it
        Where did you get my number? I never signed up for anything
        This is harassment, I am reporting this number to WhatsApp
        I did not consent to this under GDPR, I will file a complaint
        Stop spamming me or I will report you
        Who gave you my phone number?
        I asked you three times to stop and you keep messaging me, this is harassment, reporting you
        Nobody gave you permission to use my number, I'm filing a complaint with the regulator
        You people keep spamming me every day, I blocked you and reported the number
        I never subscribed to anything, how do you even have my number? This is illegal
        Five messages before noon, are you serious?
        Who sends marketing at 3 in the morning? Unbelievable
        Every single day another message, this is ridiculous
        You woke me up at 6am with your ad, shame on you
    """,
    in_long="""
        I unsubscribed by mistake, please send me messages again
        Please add me back to your list, I want to get your updates
        Can you subscribe me again? I miss your offers
        I'd like to start receiving your messages again
        Yes, please keep sending me your offers
        Sign me up again please
        I turned your messages off a while ago, can I have them back?
        Put me on your mailing list please
        I'd love to get your sale alerts
        Please include me in your promotions list
        I changed my mind, please start sending me messages again
        Turn the notifications back on for me please
        I sent STOP by mistake, please add me back
        I replied stop by accident, I still want your messages
        Let me know whenever you have discounts
        Add my number to your broadcast too
    """,
    help_long="""
        Sorry, who is this? I don't recognise this number
        Who is texting me? What company is this?
        What is this number and what is this about?
        Hi, who are you? I don't know this contact
        Who is this please?
        Can you tell me who you are?
    """,
    how="""
        How do I turn these messages off?
        Is there a way to opt out in your app? I can't find it
        How can I stop getting these?
        What do I need to reply to unsubscribe?
        Where can I change my notification settings?
        How do I unsubscribe from this?
        how do I opt out?
        how to unsubscribe?
        what's the way to stop these?
    """,
    ordinary="""
        Where is my order {num}?
        When will my parcel arrive?
        Thanks, I got it
        How much is the delivery?
        Do you have this in size {size}?
        Is this still available?
        What time do you open tomorrow?
        Can I pay by card on delivery?
        The package arrived damaged, what should I do?
        Here is a photo of the receipt
        Photo of the item I received
        Ok, thank you!
        Yes
        No thanks, I'm fine
        Good morning! Is the discount still valid?
        How much does it cost?
        Can I change the delivery address?
        I'd like to return the shoes, they're too small
        My order number is {num}
        Great, see you tomorrow
        Do you deliver on weekends?
        Price please
        I paid {price}, can you check?
        Send me the tracking number please
        Love it! 😍
        Can I get an invoice?
        How long is the warranty?
        ok
        What colours do you have?
        Got it
    """,
    hard="""
        Unsubscribe from what? I want the discount
        I don't want to unsubscribe, just tell me the price
        Can you stop the courier? I'm not home
        Is it near the bus stop?
        Please cancel my order {num}
        When does the sale start?
        My package stopped moving, any update?
        I can't stop buying your stuff lol
        Don't stop sending me deals, I love them!
        Can I unsubscribe later if I change my mind?
        Stop the delivery please, I'll pick it up myself
        Remove the gift wrap please
        Delete the second item from my cart please
        Can you help me with my order {num}?
        Text me when the parcel arrives
        Could I drop by the shop later to collect it?
        The tap stopped working after a week, can I get a replacement?
        Do you sell stop lights for cars?
        Please stop the payment, I used the wrong card
        I'll stop by on Friday
        Unsubscribe? No way, I love your newsletter
        Please don't remove me from the list, I like the deals
        Is one pack enough for a month?
        Will two meters be enough?
        Message me anytime about the order
        Text me when it ships
        Start my exchange please
        When does the summer sale start?
        I logged out of my account and can't get back in
        The washing machine stops mid-cycle, is it under warranty?
    """,
)

_RU = _pack(
    greet="""
        Здравствуйте
        Добрый день
        Добрый вечер
        Доброе утро
        Привет
        Приветствую
        Здрасьте
        Алло
    """,
    polite="""
        пожалуйста
        пжл
        пж
        плиз
        будьте добры
        очень прошу
        если можно
    """,
    thanks="""
        спасибо
        спс
        благодарю
        заранее спасибо
        спасибо за понимание
        спасибо большое
    """,
    sign="""
        С уважением
        Всего доброго
        Хорошего дня
        Спасибо
    """,
    names="""
        Анна
        Ольга
        Елена
        Ирина
        Наталья
        Татьяна
        Иван
        Сергей
        Андрей
        Дмитрий
        Алексей
        Марина
    """,
    exclaim="""
        блин
        серьезно
        господи
        ну вот
        ого
        ой
        ну
        ах
    """,
    profanity="""
        блин
        черт
        черт возьми
        капец
        фиг
        офигеть
        ёлки-палки
    """,
    reasons="""
        я переехала в другой город
        я больше не ваш клиент
        это не мой номер
        я уже ничего у вас не покупаю
        мне это неактуально
        у меня слишком много сообщений
        я живу в другой стране
        это рабочий телефон
        я уже купила все, что нужно
        я сменил номер
        вы ошиблись номером
    """,
    context="""
        я у вас один раз заказывала куртку
        телефон пищит весь день
        я сейчас на работе
        я еду за рулем
        я вчера смотрела ваш сайт
        у меня сегодня много дел
        муж дал вам свой телефон
        я заходила в ваш магазин на прошлой неделе
    """,
    connect="""
        и
        так вот
        короче
        потому что
        в общем
        а еще
        ну и
        типа
    """,
    out_long="""
        Прошу вас больше не присылать мне никаких сообщений
        Пожалуйста, удалите мой номер из вашей базы рассылки, я не хочу больше ничего получать
        Настоящим отзываю своё согласие на получение рекламных и иных сообщений от вашей компании
        Я больше не хочу получать от вас сообщения, исключите меня из списка
        Убедительно прошу прекратить присылать сообщения на этот номер
        Отпишите меня, пожалуйста, от всех ваших рассылок и больше не пишите
        Не надо мне больше ничего присылать в ватсап
        Я уже просила не писать мне, прекратите уже
        Прошу исключить мой номер телефона из всех списков рассылки
        Пожалуйста, больше не беспокойте меня своими сообщениями
        Отзываю согласие на обработку моих персональных данных и на получение сообщений
        На основании закона о персональных данных прошу удалить мои данные и не присылать сообщения
    """,
    wrong="""
        Вы ошиблись номером, я не {name}
        Это не {name}, у меня другой номер
        Это больше не номер {name}, не пишите сюда
        Я не знаю никакую {name}, удалите этот номер
        Извините, это не номер {name}, уберите его из базы
        Вы пишете не тому человеку, здесь нет никакого {name}
    """,
    mkt_long="""
        Пожалуйста, не присылайте мне рекламу и акции
        Ваши акции и скидки мне не интересны, больше не присылайте
        Прошу отключить мне рекламную рассылку
        Не нужно присылать мне рекламные предложения
        Хватит рекламы, пожалуйста
        Уберите меня из рассылки акций
        Будьте добры, не присылайте больше рекламные сообщения
        Буду признательна, если перестанете присылать акции
        Пожалуйста, больше никаких купонов и скидок
        Отпишите меня от новостной рассылки
        Не присылайте мне еженедельные новости
    """,
    complaint_long="""
        Я не давала согласия на рассылку, это спам, буду жаловаться
        Откуда у вас мой номер? Я нигде не подписывался
        Это уже спам, напишу жалобу в Роскомнадзор
        Прекратите спамить, иначе заблокирую и пожалуюсь
        Кто вам дал мой номер телефона?
        Я на вас подам жалобу, я не давал согласия
        Я уже три раза просила перестать, а вы все пишете, это спам, жалуюсь в Роскомнадзор
        Никто не давал вам права использовать мой номер, подаю жалобу
        Вы каждый день шлете спам, я вас заблокировала и пожаловалась
        Я никуда не подписывалась, откуда у вас вообще мой номер? Это незаконно
        Пять сообщений до обеда, вы серьезно?
        Кто присылает рекламу в три часа ночи? Совсем совесть потеряли
        Каждый день по сообщению, это уже издевательство
        Разбудили меня в шесть утра своей рекламой, как не стыдно
    """,
    in_long="""
        Я случайно отписалась, подпишите меня обратно пожалуйста
        Хочу снова получать ваши сообщения
        Верните мне рассылку, пожалуйста
        Подпишите меня снова на рассылку
        Присылайте дальше, мне интересно
        Хочу получать акции и скидки
        Я раньше отключала рассылку, включите её обратно
        Добавьте меня в список рассылки
        Хочу получать уведомления о скидках
        Я передумала, присылайте мне снова сообщения
        Подключите мне рассылку с акциями
        Случайно написала стоп, верните рассылку
        Я по ошибке отписалась, хочу снова получать
        Сообщайте мне о скидках
        Добавьте мой номер в рассылку тоже
    """,
    help_long="""
        Извините, а кто это? Я не знаю этот номер
        Кто вы такие и что это за рассылка?
        Что это за номер? Кто мне пишет?
        Здравствуйте, а вы кто?
        Не поняла, кто это пишет?
        Подскажите, кто вы?
    """,
    how="""
        Как отключить эти сообщения?
        Как отписаться в приложении? Не могу найти
        Что нужно ответить, чтобы не приходили сообщения?
        Где в настройках выключить уведомления?
        Подскажите, как перестать получать эти сообщения?
        как отписаться от этого?
        а как отключить рассылку?
        каким образом можно отписаться?
    """,
    ordinary="""
        Где мой заказ {num}?
        Когда придет посылка?
        Спасибо, все получила
        Сколько стоит доставка?
        Есть ли размер {size}?
        Это еще в наличии?
        Во сколько вы завтра открываетесь?
        Можно оплатить картой при получении?
        Посылка пришла поврежденная, что делать?
        Вот фото чека
        Фото товара, который я получила
        Хорошо, спасибо!
        Да
        Нет, спасибо
        Доброе утро! Скидка еще действует?
        Сколько это стоит?
        Можно поменять адрес доставки?
        Хочу вернуть туфли, они маленькие
        Номер моего заказа {num}
        Отлично, до завтра
        Вы доставляете по выходным?
        Цену скажите пожалуйста
        Я оплатила {price}, проверьте пожалуйста
        Пришлите трек-номер
        Очень понравилось, спасибо 😍
        Можно счет на оплату?
        Какая гарантия?
        Ок
        Понятно
        А какие есть цвета?
    """,
    hard="""
        Отписаться от чего? Я хочу скидку
        Я не хочу отписываться, просто скажите цену
        Остановите курьера, меня нет дома
        Это рядом с остановкой?
        Отмените заказ {num}, пожалуйста
        Когда старт продаж?
        Посылка застряла и не двигается
        Не могу перестать у вас покупать 😂
        Не останавливайтесь, присылайте акции, мне нравится
        Можно будет потом отписаться, если что?
        Хватит ли одной упаковки на месяц?
        Напишите мне, когда придет заказ
        Уберите подарочную упаковку пожалуйста
        Удалите из корзины второй товар
        Помогите выбрать размер
        Можно я завтра заскочу за заказом?
        Часы перестали работать через неделю, можно заменить?
        Есть стоп-сигналы на машину?
        Остановите оплату, я не той картой заплатила
        Отписываться не буду, мне нравятся ваши акции
        Не удаляйте меня из списка, мне нравятся скидки
        Одной пачки хватит на месяц?
        Двух метров хватит?
        Пишите мне по заказу в любое время
        Напишите, когда отправите
        Когда начнется распродажа?
        Вышла из личного кабинета и не могу зайти
        Стиралка останавливается посреди стирки, это гарантия?
    """,
)

_ES = _pack(
    greet="""
        Hola
        Buenos días
        Buenas tardes
        Buenas noches
        Buenas
        Hola qué tal
        Estimados
        Saludos
    """,
    polite="""
        por favor
        porfa
        x favor
        porfavor
        amablemente
        si es posible
    """,
    thanks="""
        gracias
        muchas gracias
        gracias de antemano
        mil gracias
        grax
        se agradece
    """,
    sign="""
        Saludos
        Atentamente
        Un saludo
        Cordialmente
        Gracias
    """,
    names="""
        María
        José
        Carmen
        Juan
        Ana
        Luis
        Lucía
        Carlos
        Sofía
        Miguel
        Laura
        Javier
    """,
    exclaim="""
        ay
        uf
        en serio
        por dios
        vaya
        madre mía
        bueno
    """,
    profanity="""
        joder
        carajo
        maldita sea
        mierda
        coño
        caramba
    """,
    reasons="""
        me mudé a otra ciudad
        no soy su cliente
        número equivocado
        ya no uso sus servicios
        ya no compro en su tienda
        recibo demasiados mensajes
        ya compré lo que necesitaba
        este es mi teléfono del trabajo
        ahora vivo en el extranjero
        cambié de número
    """,
    context="""
        les compré una chaqueta el año pasado
        el teléfono suena todo el día
        estoy manejando ahora
        ayer estuve mirando su página
        estoy en el trabajo y no puedo hablar
        mi esposo les dio este número
        solo hice un pedido una vez
    """,
    connect="""
        y
        entonces
        porque
        bueno
        o sea
        además
        y luego
        pues
    """,
    out_long="""
        Les pido amablemente que dejen de enviarme mensajes
        Por favor eliminen mi número de su lista de envíos, no quiero recibir nada más
        Por medio de la presente retiro mi consentimiento para recibir mensajes de su empresa
        Ya no deseo recibir comunicaciones de ustedes, por favor actualicen sus registros
        ¿Pueden dejar de escribirme a este número? No quiero estos mensajes
        Quiero darme de baja de todas sus listas y que no me contacten más
        No quiero recibir más mensajes de WhatsApp de ustedes
        Ya les pedí que no me escribieran, dejen de mandar mensajes
        Den de baja mi número de su lista de difusión por favor
        Revoco mi consentimiento para el tratamiento de mis datos personales y para recibir mensajes
        Según la ley de protección de datos solicito que borren mis datos y no me contacten más
    """,
    wrong="""
        Número equivocado, no soy {name}
        Se equivocaron de persona, aquí no hay ningún {name}
        Este ya no es el teléfono de {name}, dejen de escribir
        No conozco a ningún {name}, borren este número
        Perdón, número equivocado. {name} ya no usa este número
    """,
    mkt_long="""
        Por favor dejen de enviarme publicidad y ofertas
        No me interesan sus promociones, no las manden más
        No quiero más mensajes de descuentos ni ofertas
        No necesito sus ofertas especiales, dejen de enviarlas
        Denme de baja de los mensajes publicitarios
        Basta de promociones por favor
        Les agradecería que dejaran de mandarme promociones
        Por favor, no más cupones ni ofertas
        Denme de baja del boletín de noticias
        No me manden más el boletín semanal
    """,
    complaint_long="""
        Nunca les di permiso para escribirme, esto es spam y los voy a denunciar
        ¿De dónde sacaron mi número? Nunca me suscribí a nada
        Esto es acoso, voy a reportar este número a WhatsApp
        No di mi consentimiento, voy a presentar una denuncia
        Dejen de mandar spam o los denuncio
        ¿Quién les dio mi número de teléfono?
        Ya les pedí tres veces que paren y siguen escribiendo, esto es acoso y los voy a denunciar
        Nadie les dio permiso para usar mi número, voy a poner una queja
        Me mandan spam todos los días, ya los bloqueé y los reporté
        Nunca me suscribí a nada, ¿de dónde tienen mi número? Esto es ilegal
        Cinco mensajes antes del mediodía, ¿en serio?
        ¿Quién manda publicidad a las 3 de la mañana? Increíble
        Todos los días otro mensaje, esto es ridículo
        Me despertaron a las 6 con su anuncio, qué vergüenza
    """,
    in_long="""
        Me di de baja por error, vuelvan a enviarme mensajes por favor
        Agréguenme de nuevo a su lista, quiero recibir novedades
        ¿Me pueden suscribir otra vez? Extraño sus ofertas
        Quiero volver a recibir sus mensajes
        Sí, sigan enviándome ofertas por favor
        Suscríbanme de nuevo por favor
        Antes desactivé los mensajes, ¿me los pueden activar otra vez?
        Agréguenme a su lista de difusión
        Quiero recibir avisos de descuentos
        Cambié de opinión, vuelvan a mandarme mensajes
        Actívenme las notificaciones de ofertas
        Puse STOP sin querer, vuelvan a agregarme
        Me di de baja sin querer, quiero seguir recibiendo
        Avísenme cuando haya descuentos
        Agreguen mi número a la difusión también
    """,
    help_long="""
        Perdón, ¿quién es? No reconozco este número
        ¿Quién me escribe? ¿Qué empresa es esta?
        ¿Qué es este número y de qué se trata?
        Hola, ¿quiénes son? No tengo este contacto
        ¿Quién habla por favor?
        ¿Me pueden decir quiénes son?
    """,
    how="""
        ¿Cómo desactivo estos mensajes?
        ¿Hay alguna forma de darse de baja desde la app? No la encuentro
        ¿Qué tengo que responder para no recibir más?
        ¿Dónde cambio la configuración de notificaciones?
        ¿Cómo hago para dejar de recibir esto?
        ¿cómo me doy de baja de esto?
        ¿cómo cancelo la suscripción?
        ¿de qué forma me puedo dar de baja?
    """,
    ordinary="""
        ¿Dónde está mi pedido {num}?
        ¿Cuándo llega mi paquete?
        Gracias, ya lo recibí
        ¿Cuánto cuesta el envío?
        ¿Tienen talla {size}?
        ¿Todavía está disponible?
        ¿A qué hora abren mañana?
        ¿Puedo pagar con tarjeta al recibir?
        El paquete llegó dañado, ¿qué hago?
        Aquí está la foto del recibo
        Foto del producto que recibí
        Vale, gracias!
        Sí
        No gracias, estoy bien
        Buenos días! ¿Sigue vigente el descuento?
        ¿Cuánto cuesta?
        ¿Puedo cambiar la dirección de entrega?
        Quiero devolver los zapatos, me quedan chicos
        Mi número de pedido es {num}
        Perfecto, hasta mañana
        ¿Hacen envíos los fines de semana?
        Precio por favor
        Pagué {price}, ¿pueden verificar?
        Mándenme el número de seguimiento
        Me encantó 😍
        ¿Me pueden dar factura?
        ¿Cuánto dura la garantía?
        Ok
        ¿Qué colores tienen?
        Entendido
    """,
    hard="""
        ¿Darme de baja de qué? Quiero el descuento
        No quiero darme de baja, solo díganme el precio
        ¿Pueden parar al repartidor? No estoy en casa
        ¿Está cerca de la parada del bus?
        Cancelen mi pedido {num} por favor
        ¿Cuándo empieza la oferta?
        Mi paquete no se mueve desde hace días
        No puedo dejar de comprar sus cosas jaja
        No paren de mandar ofertas, me encantan
        ¿Me puedo dar de baja después si quiero?
        Estoy de baja médica, ¿pueden entregar el lunes?
        ¿La talla es baja o normal?
        Quiten el envoltorio de regalo por favor
        Borren el segundo producto del carrito
        Escríbanme cuando llegue el pedido
        ¿Puedo pasar mañana por la tienda a recogerlo?
        El reloj dejó de funcionar a la semana, ¿me lo cambian?
        ¿Venden luces de freno para moto?
        Paren el pago, usé la tarjeta equivocada
        ¿Darme de baja? Para nada, me encantan sus ofertas
        No me quiten de la lista, me gustan las promos
        ¿Con un paquete basta para un mes?
        ¿Alcanza con dos metros?
        Escríbanme cuando lo envíen
        Pueden escribirme cuando quieran por el pedido
        ¿Cuándo empiezan las rebajas?
        Me salí de mi cuenta y no puedo entrar
        La lavadora se para a mitad del ciclo, ¿tiene garantía?
    """,
)

_PT = _pack(
    greet="""
        Olá
        Oi
        Bom dia
        Boa tarde
        Boa noite
        Oii
        Prezados
        Olá, tudo bem?
    """,
    polite="""
        por favor
        pfv
        pf
        pfvr
        por gentileza
        se possível
    """,
    thanks="""
        obrigado
        obrigada
        valeu
        muito obrigado
        obg
        agradeço desde já
    """,
    sign="""
        Att
        Atenciosamente
        Abraços
        Obrigada
        Grata
    """,
    names="""
        Ana
        João
        Maria
        Pedro
        Juliana
        Lucas
        Fernanda
        Carlos
        Beatriz
        Rafael
        Camila
        Bruno
    """,
    exclaim="""
        nossa
        affe
        aff
        sério
        meu deus
        putz
        gente
    """,
    profanity="""
        porra
        caramba
        droga
        merda
        pqp
        poxa
    """,
    reasons="""
        me mudei para outra cidade
        não sou cliente de vocês
        número errado
        não uso mais os serviços de vocês
        não compro mais aí
        recebo mensagens demais
        já comprei o que precisava
        esse é meu celular do trabalho
        agora moro fora do país
        troquei de número
    """,
    context="""
        comprei uma jaqueta de vocês ano passado
        o celular apita o dia todo
        estou dirigindo agora
        ontem eu estava olhando o site de vocês
        estou no trabalho e não posso falar
        meu marido passou esse número
        só fiz um pedido uma vez
    """,
    connect="""
        e
        então
        porque
        tipo
        aí
        daí
        e também
        enfim
    """,
    out_long="""
        Peço gentilmente que parem de me enviar mensagens
        Por favor, retirem meu número da lista de envios, não quero receber mais nada
        Venho por meio desta retirar meu consentimento para receber mensagens da empresa
        Não desejo mais receber comunicações de vocês, atualizem o cadastro por favor
        Vocês podem parar de mandar mensagem pra esse número? Não quero mais
        Quero sair de todas as listas de vocês e não ser mais contatado
        Não quero mais receber mensagens de WhatsApp de vocês
        Já pedi pra não me mandarem mensagem, parem por favor
        Me descadastrem da lista de transmissão por favor
        Revogo meu consentimento para o tratamento dos meus dados pessoais e para receber mensagens
        Com base na LGPD solicito a exclusão dos meus dados e que não me enviem mais mensagens
    """,
    wrong="""
        Número errado, não sou {name}
        Vocês erraram a pessoa, aqui não tem nenhum {name}
        Esse não é mais o número de {name}, parem de mandar mensagem
        Não conheço nenhum {name}, apaguem esse número
        Desculpa, número errado. {name} não usa mais esse número
    """,
    mkt_long="""
        Por favor parem de me mandar propaganda e ofertas
        Não tenho interesse nas promoções de vocês, não mandem mais
        Não quero mais mensagens de desconto e promoção
        Não preciso das ofertas especiais, parem de enviar
        Me tirem das mensagens de propaganda
        Chega de promoção por favor
        Agradeço se pararem de me mandar promoções
        Por favor, chega de cupons e ofertas
        Me tirem da newsletter por favor
        Não quero mais receber o informativo semanal
    """,
    complaint_long="""
        Nunca autorizei vocês a me mandarem mensagem, isso é spam e vou denunciar
        Onde vocês conseguiram meu número? Nunca me cadastrei em nada
        Isso é assédio, vou denunciar esse número no WhatsApp
        Não dei consentimento, vou reclamar no Procon
        Parem de mandar spam ou vou denunciar
        Quem passou meu número pra vocês?
        Já pedi três vezes pra parar e vocês continuam mandando, isso é assédio, vou denunciar
        Ninguém autorizou vocês a usar meu número, vou reclamar no Procon
        Vocês mandam spam todo dia, já bloqueei e denunciei
        Nunca me cadastrei em nada, como vocês têm meu número? Isso é ilegal
        Cinco mensagens antes do meio-dia, sério isso?
        Quem manda propaganda às 3 da manhã? Inacreditável
        Todo santo dia uma mensagem, isso é ridículo
        Me acordaram às 6 da manhã com propaganda, que vergonha
    """,
    in_long="""
        Saí da lista sem querer, voltem a me mandar mensagens por favor
        Me coloquem de novo na lista, quero receber as novidades
        Podem me cadastrar de novo? Sinto falta das ofertas
        Quero voltar a receber as mensagens de vocês
        Sim, continuem me mandando as ofertas
        Me inscreve de novo por favor
        Eu tinha desativado as mensagens, podem ativar de novo?
        Me adiciona na lista de transmissão
        Quero receber avisos de promoção
        Mudei de ideia, podem voltar a me mandar mensagens
        Ativem as notificações de ofertas pra mim
        Mandei PARE sem querer, me coloquem de volta
        Saí da lista por engano, quero voltar a receber
        Me avisem quando tiver desconto
        Coloquem meu número na lista também
    """,
    help_long="""
        Desculpa, quem é? Não conheço esse número
        Quem está me mandando mensagem? Que empresa é essa?
        Que número é esse e do que se trata?
        Oi, quem são vocês? Não tenho esse contato
        Quem fala por favor?
        Podem me dizer quem são?
    """,
    how="""
        Como eu desativo essas mensagens?
        Tem como sair da lista pelo aplicativo? Não achei
        O que eu respondo pra parar de receber?
        Onde mudo as configurações de notificação?
        Como faço pra não receber mais isso?
        como faço pra sair da lista?
        como cancelo a inscrição?
        tem como descadastrar?
    """,
    ordinary="""
        Cadê meu pedido {num}?
        Quando chega minha encomenda?
        Obrigada, recebi
        Quanto é o frete?
        Tem no tamanho {size}?
        Ainda tem disponível?
        Que horas vocês abrem amanhã?
        Posso pagar no cartão na entrega?
        A caixa chegou amassada, o que eu faço?
        Segue a foto do comprovante
        Foto do produto que recebi
        Beleza, obrigado!
        Sim
        Não, obrigada, tudo certo
        Bom dia! O desconto ainda está valendo?
        Quanto custa?
        Posso mudar o endereço de entrega?
        Quero trocar o tênis, ficou pequeno
        O número do meu pedido é {num}
        Perfeito, até amanhã
        Vocês entregam no fim de semana?
        Qual o valor?
        Paguei {price}, podem conferir?
        Me manda o código de rastreio
        Amei 😍
        Vocês emitem nota fiscal?
        Qual a garantia?
        Ok
        blz
        Quais cores tem?
    """,
    hard="""
        Sair de quê? Eu quero o desconto
        Não quero sair da lista, só quero saber o preço
        Pode parar o entregador? Não estou em casa
        Fica perto do ponto de ônibus?
        Cancela meu pedido {num} por favor
        Quando começa a promoção?
        Vou sair agora, deixa na portaria
        Que horas sai o pedido?
        Não para não, adoro as promoções
        Dá pra sair da lista depois se eu quiser?
        Meu pedido parou no rastreio
        Tira o papel de presente por favor
        Apaga o segundo item do carrinho
        Me manda mensagem quando chegar
        Podem me ajudar com o meu pedido?
        Posso passar na loja amanhã pra buscar?
        O relógio parou de funcionar depois de uma semana, dá pra trocar?
        Vocês vendem lanterna de freio?
        Parem o pagamento, usei o cartão errado
        Sair da lista? Nem pensar, adoro as ofertas
        Não me tirem da lista, gosto das promoções
        Um pacote dá pra um mês?
        Dois metros são suficientes?
        Me avisem quando enviarem
        Podem me mandar mensagem sobre o pedido quando quiserem
        Quando começa a liquidação?
        Saí da minha conta e não consigo entrar
        A máquina de lavar para no meio do ciclo, tem garantia?
    """,
)

_DE = _pack(
    greet="""
        Hallo
        Guten Tag
        Guten Morgen
        Guten Abend
        Hi
        Moin
        Servus
        Sehr geehrte Damen und Herren
        Liebes Team
    """,
    polite="""
        bitte
        bitteschön
        freundlicherweise
        wenn möglich
        bitte bitte
    """,
    thanks="""
        danke
        vielen Dank
        danke schön
        danke im Voraus
        merci
        besten Dank
    """,
    sign="""
        Mit freundlichen Grüßen
        Viele Grüße
        LG
        Beste Grüße
        MfG
        Gruß
    """,
    names="""
        Anna
        Thomas
        Julia
        Michael
        Laura
        Stefan
        Sabine
        Andreas
        Lena
        Markus
        Katrin
        Jonas
    """,
    exclaim="""
        ach
        mensch
        echt jetzt
        oh mann
        na toll
        ernsthaft
    """,
    profanity="""
        verdammt
        Mist
        Scheiße
        verflixt
        Mann ey
        zum Teufel
    """,
    reasons="""
        ich bin umgezogen
        ich bin nicht Ihr Kunde
        falsche Nummer
        ich nutze Ihren Service nicht mehr
        ich kaufe dort nicht mehr ein
        ich bekomme zu viele Nachrichten
        ich habe schon alles gekauft, was ich brauche
        das ist mein Diensthandy
        ich wohne jetzt im Ausland
        ich habe eine neue Nummer
    """,
    context="""
        ich habe letztes Jahr eine Jacke bei Ihnen gekauft
        mein Handy piept den ganzen Tag
        ich fahre gerade Auto
        ich war gestern auf Ihrer Webseite
        ich bin auf der Arbeit und kann nicht sprechen
        mein Mann hat Ihnen diese Nummer gegeben
        ich habe nur einmal bestellt
    """,
    connect="""
        und
        also
        weil
        jedenfalls
        und dann
        außerdem
        naja
        halt
    """,
    out_long="""
        Ich bitte Sie höflich, mir keine Nachrichten mehr zu senden
        Bitte löschen Sie meine Nummer aus Ihrem Verteiler, ich möchte nichts mehr erhalten
        Hiermit widerrufe ich meine Einwilligung zum Erhalt von Nachrichten Ihres Unternehmens
        Ich möchte keine Mitteilungen mehr von Ihnen erhalten, bitte aktualisieren Sie Ihre Daten
        Können Sie bitte aufhören, dieser Nummer zu schreiben? Ich will diese Nachrichten nicht
        Bitte tragen Sie mich aus allen Listen aus und kontaktieren Sie mich nicht mehr
        Ich möchte keine WhatsApp Nachrichten mehr von Ihnen bekommen
        Ich habe schon einmal gebeten, mir nicht mehr zu schreiben, hören Sie bitte auf
        Bitte meine Nummer aus der Broadcast Liste entfernen
        Ich widerrufe meine Einwilligung zur Datenverarbeitung und zum Erhalt von Nachrichten
        Ich verlange die Löschung meiner Daten und keine weiteren Nachrichten
    """,
    wrong="""
        Falsche Nummer, ich bin nicht {name}
        Sie haben die falsche Person, hier gibt es keinen {name}
        Das ist nicht mehr die Nummer von {name}, bitte nicht mehr schreiben
        Ich kenne keinen {name}, bitte löschen Sie diese Nummer
        Sorry, falsche Nummer. {name} benutzt diese Nummer nicht mehr
    """,
    mkt_long="""
        Bitte schicken Sie mir keine Werbung und Angebote mehr
        Ihre Aktionen interessieren mich nicht, bitte nicht mehr schicken
        Ich will keine Rabatt Nachrichten mehr
        Ich brauche Ihre Sonderangebote nicht, hören Sie auf damit
        Bitte melden Sie mich von der Werbung ab
        Keine Werbung mehr bitte, danke
        Ich wäre dankbar, wenn Sie mir keine Werbung mehr schicken
        Bitte keine Gutscheine und Rabattaktionen mehr
        Bitte melden Sie mich vom Newsletter ab
        Keinen wöchentlichen Newsletter mehr bitte
    """,
    complaint_long="""
        Ich habe Ihnen nie erlaubt, mir zu schreiben, das ist Spam und ich zeige Sie an
        Woher haben Sie meine Nummer? Ich habe mich nirgends angemeldet
        Das ist Belästigung, ich melde diese Nummer bei WhatsApp
        Ich habe nicht eingewilligt, das ist ein Verstoß gegen die DSGVO
        Hören Sie auf mit dem Spam oder ich erstatte Anzeige
        Wer hat Ihnen meine Telefonnummer gegeben?
        Ich habe schon dreimal gebeten aufzuhören und Sie schreiben trotzdem, ich zeige Sie an
        Niemand hat Ihnen erlaubt, meine Nummer zu nutzen, ich beschwere mich
        Sie schicken jeden Tag Spam, ich habe Sie blockiert und gemeldet
        Ich habe mich nirgends angemeldet, woher haben Sie überhaupt meine Nummer? Das ist illegal
        Fünf Nachrichten vor Mittag, ist das Ihr Ernst?
        Wer schickt um 3 Uhr nachts Werbung? Unfassbar
        Jeden Tag eine neue Nachricht, das ist lächerlich
        Sie haben mich um 6 Uhr mit Werbung geweckt, eine Frechheit
    """,
    in_long="""
        Ich habe mich aus Versehen abgemeldet, bitte schicken Sie mir wieder Nachrichten
        Bitte nehmen Sie mich wieder in die Liste auf, ich will die Neuigkeiten
        Können Sie mich wieder anmelden? Ich vermisse Ihre Angebote
        Ich möchte Ihre Nachrichten wieder erhalten
        Ja, schicken Sie mir gerne weiter Angebote
        Bitte wieder anmelden, danke
        Ich hatte die Nachrichten abbestellt, kann ich sie wieder bekommen?
        Nehmen Sie mich bitte in Ihren Verteiler auf
        Ich möchte über Rabatte informiert werden
        Ich habe es mir anders überlegt, bitte schicken Sie wieder Nachrichten
        Bitte schalten Sie die Angebotsbenachrichtigungen wieder ein
        Ich habe aus Versehen STOP geschrieben, bitte wieder eintragen
        Ich habe mich versehentlich abgemeldet, ich will weiter Nachrichten bekommen
        Sagen Sie mir Bescheid, wenn es Rabatte gibt
        Fügen Sie meine Nummer bitte auch hinzu
    """,
    help_long="""
        Entschuldigung, wer ist das? Ich kenne diese Nummer nicht
        Wer schreibt mir da? Welche Firma ist das?
        Was ist das für eine Nummer und worum geht es?
        Hallo, wer sind Sie? Ich habe diesen Kontakt nicht
        Wer ist da bitte?
        Können Sie mir sagen, wer Sie sind?
    """,
    how="""
        Wie kann ich diese Nachrichten abschalten?
        Kann man sich in der App abmelden? Ich finde es nicht
        Was muss ich antworten, damit keine Nachrichten mehr kommen?
        Wo ändere ich die Benachrichtigungen?
        Wie bekomme ich diese Nachrichten weg?
        wie melde ich mich ab?
        wie kann ich das abbestellen?
        wo kann ich mich austragen?
    """,
    ordinary="""
        Wo ist meine Bestellung {num}?
        Wann kommt mein Paket an?
        Danke, ist angekommen
        Was kostet der Versand?
        Gibt es das in Größe {size}?
        Ist das noch verfügbar?
        Wann öffnen Sie morgen?
        Kann ich bei Lieferung mit Karte zahlen?
        Das Paket ist beschädigt angekommen, was soll ich tun?
        Hier ist ein Foto vom Kassenbon
        Foto vom Artikel, den ich bekommen habe
        Alles klar, danke!
        Ja
        Nein danke, passt schon
        Guten Morgen! Gilt der Rabatt noch?
        Was kostet das?
        Kann ich die Lieferadresse ändern?
        Ich möchte die Schuhe zurückgeben, sie sind zu klein
        Meine Bestellnummer ist {num}
        Super, bis morgen
        Liefern Sie auch am Wochenende?
        Preis bitte
        Ich habe {price} bezahlt, können Sie das prüfen?
        Schicken Sie mir bitte die Sendungsnummer
        Sieht toll aus 😍
        Kann ich eine Rechnung bekommen?
        Wie lange ist die Garantie?
        ok
        Welche Farben gibt es?
        Verstanden
    """,
    hard="""
        Abmelden wovon? Ich will den Rabatt
        Ich will mich nicht abmelden, sagen Sie mir nur den Preis
        Können Sie den Kurier stoppen? Ich bin nicht zu Hause
        Ist das nahe der Bushaltestelle?
        Bitte stornieren Sie meine Bestellung {num}
        Wann startet der Sale?
        Mein Paket bewegt sich seit Tagen nicht
        Ich kann nicht aufhören, bei euch zu kaufen haha
        Nicht aufhören, die Angebote sind super!
        Kann ich mich später abmelden, wenn ich will?
        Ich möchte mich vom Yogakurs am Samstag abmelden
        Bitte die Geschenkverpackung weglassen
        Löschen Sie den zweiten Artikel aus dem Warenkorb
        Schreiben Sie mir, wenn das Paket da ist
        Können Sie mir bei meiner Bestellung helfen?
        Kann ich morgen im Laden vorbeikommen und es abholen?
        Die Uhr ist nach einer Woche stehen geblieben, kann ich sie umtauschen?
        Verkaufen Sie Bremslichter fürs Auto?
        Bitte stoppen Sie die Zahlung, ich habe die falsche Karte benutzt
        Abmelden? Auf keinen Fall, ich liebe Ihre Angebote
        Bitte nehmen Sie mich nicht aus der Liste, ich mag die Angebote
        Reicht eine Packung für einen Monat?
        Reichen zwei Meter?
        Schreiben Sie mir jederzeit wegen der Bestellung
        Melden Sie sich, wenn es verschickt ist
        Wann beginnt der Sommerschlussverkauf?
        Die Waschmaschine stoppt mitten im Programm, ist das Garantie?
    """,
)

_FR = _pack(
    greet="""
        Bonjour
        Bonsoir
        Salut
        Coucou
        Madame, Monsieur
        Bonjour à vous
        Hello
    """,
    polite="""
        s'il vous plaît
        svp
        stp
        s'il te plaît
        je vous prie
        si possible
    """,
    thanks="""
        merci
        merci beaucoup
        merci d'avance
        mci
        merci bien
        je vous remercie
    """,
    sign="""
        Cordialement
        Bien à vous
        Bonne journée
        Merci
        Salutations
    """,
    names="""
        Marie
        Pierre
        Sophie
        Julien
        Camille
        Nicolas
        Claire
        Thomas
        Léa
        Antoine
        Chloé
        Hugo
    """,
    exclaim="""
        oh là là
        pff
        sérieux
        mon dieu
        bref
        ah bon
    """,
    profanity="""
        putain
        merde
        bordel
        zut
        mince
        fait chier
    """,
    reasons="""
        j'ai déménagé dans une autre ville
        je ne suis pas votre client
        mauvais numéro
        je n'utilise plus vos services
        je n'achète plus chez vous
        je reçois trop de messages
        j'ai déjà acheté ce qu'il me fallait
        c'est mon téléphone professionnel
        j'habite à l'étranger maintenant
        j'ai changé de numéro
    """,
    context="""
        je vous ai acheté une veste l'année dernière
        mon téléphone sonne toute la journée
        je suis en train de conduire
        hier je regardais votre site
        je suis au travail et je ne peux pas parler
        mon mari vous a donné ce numéro
        je n'ai commandé qu'une seule fois
    """,
    connect="""
        et
        donc
        parce que
        bref
        genre
        en plus
        et puis
        du coup
    """,
    out_long="""
        Je vous prie de bien vouloir cesser de m'envoyer des messages
        Merci de supprimer mon numéro de votre liste de diffusion, je ne veux plus rien recevoir
        Par la présente je retire mon consentement à recevoir des messages de votre société
        Je ne souhaite plus recevoir de communications de votre part, merci de mettre à jour
        Pouvez-vous arrêter d'écrire à ce numéro ? Je ne veux plus ces messages
        Retirez-moi de toutes vos listes et ne me contactez plus
        Je ne veux plus recevoir de messages WhatsApp de votre part
        Je vous ai déjà demandé de ne plus m'écrire, arrêtez s'il vous plaît
        Désinscrivez mon numéro de votre liste de diffusion svp
        Je retire mon consentement au traitement de mes données et à l'envoi de messages
        Conformément au RGPD je demande l'effacement de mes données et l'arrêt des messages
    """,
    wrong="""
        Mauvais numéro, je ne suis pas {name}
        Vous vous trompez de personne, il n'y a pas de {name} ici
        Ce n'est plus le numéro de {name}, arrêtez d'écrire
        Je ne connais aucun {name}, supprimez ce numéro
        Désolé, mauvais numéro. {name} n'utilise plus ce numéro
    """,
    mkt_long="""
        Merci d'arrêter de m'envoyer de la pub et des offres
        Vos promotions ne m'intéressent pas, ne les envoyez plus
        Je ne veux plus de messages de réductions ni de promos
        Je n'ai pas besoin de vos offres spéciales, arrêtez de les envoyer
        Désabonnez-moi des messages publicitaires
        Plus de promos s'il vous plaît
        Je vous serais reconnaissant d'arrêter de m'envoyer des promotions
        S'il vous plaît, plus de coupons ni d'offres
        Désabonnez-moi de la newsletter svp
        Plus de lettre d'information hebdomadaire svp
    """,
    complaint_long="""
        Je ne vous ai jamais autorisé à m'écrire, c'est du spam et je vais vous signaler
        Où avez-vous eu mon numéro ? Je ne me suis jamais inscrit
        C'est du harcèlement, je signale ce numéro à WhatsApp
        Je n'ai pas donné mon accord, je vais porter plainte auprès de la CNIL
        Arrêtez le spam ou je porte plainte
        Qui vous a donné mon numéro de téléphone ?
        Je vous ai déjà demandé trois fois d'arrêter et vous continuez, je porte plainte
        Personne ne vous a autorisé à utiliser mon numéro, je fais un signalement à la CNIL
        Vous m'envoyez du spam tous les jours, je vous ai bloqué et signalé
        Je ne me suis jamais inscrit, d'où vous avez mon numéro ? C'est illégal
        Cinq messages avant midi, sérieusement ?
        Qui envoie de la pub à 3 heures du matin ? Incroyable
        Tous les jours un nouveau message, c'est ridicule
        Vous m'avez réveillé à 6h avec votre pub, quelle honte
    """,
    in_long="""
        Je me suis désabonné par erreur, renvoyez-moi des messages svp
        Remettez-moi dans la liste, je veux recevoir les nouveautés
        Vous pouvez me réabonner ? Vos offres me manquent
        Je veux recevoir vos messages à nouveau
        Oui, continuez à m'envoyer vos offres
        Réinscrivez-moi s'il vous plaît
        J'avais désactivé les messages, je peux les avoir à nouveau ?
        Ajoutez-moi à votre liste de diffusion
        Je veux être averti des promos
        J'ai changé d'avis, renvoyez-moi des messages
        Réactivez les notifications d'offres pour moi
        J'ai envoyé STOP par erreur, réinscrivez-moi svp
        Je me suis désabonné sans faire exprès, je veux continuer à recevoir
        Prévenez-moi quand il y a des promos
        Ajoutez aussi mon numéro à la liste
    """,
    help_long="""
        Désolé, c'est qui ? Je ne connais pas ce numéro
        Qui m'écrit ? C'est quelle entreprise ?
        C'est quoi ce numéro et c'est à quel sujet ?
        Bonjour, vous êtes qui ? Je n'ai pas ce contact
        Qui est-ce svp ?
        Pouvez-vous me dire qui vous êtes ?
    """,
    how="""
        Comment je désactive ces messages ?
        On peut se désabonner dans l'application ? Je ne trouve pas
        Qu'est-ce que je dois répondre pour ne plus recevoir ça ?
        Où je change les réglages des notifications ?
        Comment faire pour ne plus recevoir ces messages ?
        comment je me désinscris ?
        comment on se désabonne ?
        où je peux me désabonner ?
    """,
    ordinary="""
        Où est ma commande {num} ?
        Quand arrive mon colis ?
        Merci, bien reçu
        Combien coûte la livraison ?
        Vous avez la taille {size} ?
        C'est encore disponible ?
        Vous ouvrez à quelle heure demain ?
        Je peux payer par carte à la livraison ?
        Le colis est arrivé abîmé, que dois-je faire ?
        Voici la photo du ticket
        Photo de l'article reçu
        D'accord, merci !
        Oui
        Non merci, ça va
        Bonjour ! La réduction est toujours valable ?
        Ça coûte combien ?
        Je peux changer l'adresse de livraison ?
        Je voudrais retourner les chaussures, elles sont trop petites
        Mon numéro de commande est {num}
        Parfait, à demain
        Vous livrez le week-end ?
        Le prix svp
        J'ai payé {price}, vous pouvez vérifier ?
        Envoyez-moi le numéro de suivi
        J'adore 😍
        Je peux avoir une facture ?
        Quelle est la durée de la garantie ?
        ok merci
        Quelles couleurs avez-vous ?
        Compris
    """,
    hard="""
        Me désabonner de quoi ? Je veux la réduction
        Je ne veux pas me désabonner, dites-moi juste le prix
        Pouvez-vous arrêter le livreur, je ne suis pas là
        C'est près de l'arrêt de bus ?
        Annulez ma commande {num} svp
        Quand commencent les soldes ?
        Mon colis ne bouge plus depuis des jours
        Je n'arrête pas d'acheter chez vous mdr
        N'arrêtez pas, j'adore vos offres
        Je pourrai me désabonner plus tard si je veux ?
        Je voudrais me désinscrire du cours de samedi
        Enlevez l'emballage cadeau svp
        Supprimez le deuxième article du panier
        Écrivez-moi quand le colis arrive
        Pouvez-vous m'aider avec ma commande ?
        Je peux passer au magasin demain pour le récupérer ?
        La montre s'est arrêtée au bout d'une semaine, vous pouvez l'échanger ?
        Vous vendez des feux stop pour voiture ?
        Arrêtez le paiement, j'ai utilisé la mauvaise carte
        Me désabonner ? Jamais, j'adore vos offres
        Ne me retirez pas de la liste, j'aime les promos
        Un paquet suffit pour un mois ?
        Deux mètres, ça suffit ?
        Écrivez-moi quand c'est expédié
        Vous pouvez m'écrire quand vous voulez pour la commande
        Quand commencent les promos d'été ?
        Je me suis déconnecté de mon compte et je n'arrive plus à entrer
        La machine à laver s'arrête en plein cycle, c'est sous garantie ?
    """,
)

_IT = _pack(
    greet="""
        Ciao
        Buongiorno
        Buonasera
        Salve
        Gentili signori
        Buondì
        Ehi
    """,
    polite="""
        per favore
        per piacere
        x favore
        cortesemente
        gentilmente
        se possibile
    """,
    thanks="""
        grazie
        grazie mille
        grazie in anticipo
        grz
        vi ringrazio
        grazie davvero
    """,
    sign="""
        Cordiali saluti
        Saluti
        Distinti saluti
        Buona giornata
        Grazie
    """,
    names="""
        Giulia
        Marco
        Francesca
        Luca
        Chiara
        Alessandro
        Sara
        Matteo
        Elena
        Andrea
        Paola
        Giorgio
    """,
    exclaim="""
        mamma mia
        uffa
        dai
        ma dai
        santo cielo
        oddio
        boh
    """,
    profanity="""
        cavolo
        cazzo
        porca miseria
        accidenti
        maledizione
        che palle
    """,
    reasons="""
        mi sono trasferita in un'altra città
        non sono vostro cliente
        numero sbagliato
        non uso più i vostri servizi
        non compro più da voi
        ricevo troppi messaggi
        ho già comprato quello che mi serviva
        questo è il mio telefono di lavoro
        ora vivo all'estero
        ho cambiato numero
    """,
    context="""
        ho comprato una giacca da voi l'anno scorso
        il telefono suona tutto il giorno
        sto guidando adesso
        ieri guardavo il vostro sito
        sono al lavoro e non posso parlare
        mio marito vi ha dato questo numero
        ho ordinato solo una volta
    """,
    connect="""
        e
        quindi
        perché
        cioè
        insomma
        poi
        e anche
        comunque
    """,
    out_long="""
        Vi chiedo gentilmente di non inviarmi più messaggi
        Per favore cancellate il mio numero dalla vostra lista, non voglio ricevere più nulla
        Con la presente revoco il mio consenso a ricevere messaggi dalla vostra azienda
        Non desidero più ricevere comunicazioni da voi, aggiornate i vostri archivi
        Potete smettere di scrivere a questo numero? Non voglio questi messaggi
        Toglietemi da tutte le vostre liste e non contattatemi più
        Non voglio più ricevere messaggi WhatsApp da voi
        Vi ho già chiesto di non scrivermi, smettetela per favore
        Rimuovete il mio numero dalla lista broadcast per favore
        Revoco il consenso al trattamento dei miei dati personali e all'invio di messaggi
        Ai sensi della privacy chiedo la cancellazione dei miei dati e di non essere contattato
    """,
    wrong="""
        Numero sbagliato, non sono {name}
        Avete sbagliato persona, qui non c'è nessun {name}
        Questo non è più il numero di {name}, smettete di scrivere
        Non conosco nessun {name}, cancellate questo numero
        Scusate, numero sbagliato. {name} non usa più questo numero
    """,
    mkt_long="""
        Per favore smettete di inviarmi pubblicità e offerte
        Le vostre promozioni non mi interessano, non mandatele più
        Non voglio più messaggi di sconti e promo
        Non mi servono le vostre offerte speciali, smettete di mandarle
        Disiscrivetemi dai messaggi pubblicitari
        Basta promozioni per favore
        Vi sarei grata se smetteste di mandarmi promozioni
        Per favore, niente più coupon e offerte
        Disiscrivetemi dalla newsletter per favore
        Non mandatemi più la newsletter settimanale
    """,
    complaint_long="""
        Non vi ho mai autorizzato a scrivermi, questo è spam e vi denuncio
        Dove avete preso il mio numero? Non mi sono mai iscritto
        Questa è molestia, segnalo questo numero a WhatsApp
        Non ho dato il consenso, farò una segnalazione al Garante privacy
        Smettetela con lo spam o vi denuncio
        Chi vi ha dato il mio numero di telefono?
        Vi ho chiesto tre volte di smettere e continuate a scrivere, è molestia, vi denuncio
        Nessuno vi ha autorizzato a usare il mio numero, faccio reclamo al Garante
        Mi mandate spam ogni giorno, vi ho bloccato e segnalato
        Non mi sono mai iscritto a niente, come avete il mio numero? È illegale
        Cinque messaggi prima di mezzogiorno, ma siete seri?
        Chi manda pubblicità alle 3 di notte? Incredibile
        Ogni giorno un altro messaggio, è ridicolo
        Mi avete svegliato alle 6 con la vostra pubblicità, che vergogna
    """,
    in_long="""
        Mi sono disiscritta per errore, rimandatemi i messaggi per favore
        Rimettetemi nella lista, voglio ricevere le novità
        Potete iscrivermi di nuovo? Mi mancano le vostre offerte
        Voglio ricevere di nuovo i vostri messaggi
        Sì, continuate a mandarmi le offerte
        Iscrivetemi di nuovo per favore
        Avevo disattivato i messaggi, posso riaverli?
        Aggiungetemi alla vostra lista
        Voglio ricevere gli avvisi sugli sconti
        Ho cambiato idea, rimandatemi i messaggi
        Riattivate le notifiche delle offerte per favore
        Ho scritto STOP per sbaglio, reiscrivetemi per favore
        Mi sono disiscritto per sbaglio, voglio continuare a ricevere
        Avvisatemi quando ci sono sconti
        Aggiungete anche il mio numero
    """,
    help_long="""
        Scusi, chi è? Non conosco questo numero
        Chi mi scrive? Che azienda è?
        Che numero è questo e di cosa si tratta?
        Ciao, chi siete? Non ho questo contatto
        Chi parla per favore?
        Potete dirmi chi siete?
    """,
    how="""
        Come disattivo questi messaggi?
        C'è un modo per disiscriversi dall'app? Non lo trovo
        Cosa devo rispondere per non ricevere più niente?
        Dove cambio le impostazioni delle notifiche?
        Come faccio a non ricevere più questi messaggi?
        come mi disiscrivo?
        come si fa a cancellarsi?
        dove posso disiscrivermi?
    """,
    ordinary="""
        Dov'è il mio ordine {num}?
        Quando arriva il pacco?
        Grazie, ricevuto
        Quanto costa la spedizione?
        Avete la taglia {size}?
        È ancora disponibile?
        A che ora aprite domani?
        Posso pagare con carta alla consegna?
        Il pacco è arrivato danneggiato, cosa faccio?
        Ecco la foto dello scontrino
        Foto dell'articolo ricevuto
        Va bene, grazie!
        Sì
        No grazie, a posto così
        Buongiorno! Lo sconto è ancora valido?
        Quanto costa?
        Posso cambiare l'indirizzo di consegna?
        Vorrei restituire le scarpe, sono piccole
        Il mio numero d'ordine è {num}
        Perfetto, a domani
        Consegnate anche nel weekend?
        Prezzo per favore
        Ho pagato {price}, potete controllare?
        Mandatemi il numero di tracking
        Bellissimo 😍
        Posso avere la fattura?
        Quanto dura la garanzia?
        ok
        Che colori avete?
        Capito
    """,
    hard="""
        Disiscrivermi da cosa? Voglio lo sconto
        Non voglio disiscrivermi, ditemi solo il prezzo
        Potete fermare il corriere? Non sono a casa
        È vicino alla fermata del bus?
        Annullate il mio ordine {num} per favore
        Quando iniziano i saldi?
        Il pacco è fermo da giorni
        Non riesco a smettere di comprare da voi ahah
        Non fermatevi, le offerte sono ottime
        Posso disiscrivermi più tardi se voglio?
        Basta così, grazie, l'ordine è completo
        Togliete la confezione regalo per favore
        Eliminate il secondo articolo dal carrello
        Scrivetemi quando arriva il pacco
        Potete aiutarmi con il mio ordine?
        Posso passare domani in negozio a ritirarlo?
        L'orologio si è fermato dopo una settimana, me lo cambiate?
        Vendete luci di stop per auto?
        Fermate il pagamento, ho usato la carta sbagliata
        Disiscrivermi? Mai, adoro le vostre offerte
        Non toglietemi dalla lista, mi piacciono le promo
        Basta un pacco per un mese?
        Due metri bastano?
        Scrivetemi quando lo spedite
        Potete scrivermi quando volete per l'ordine
        Quando iniziano i saldi estivi?
        La lavatrice si ferma a metà lavaggio, è in garanzia?
    """,
)

_TR = _pack(
    greet="""
        Merhaba
        Selam
        İyi günler
        Günaydın
        İyi akşamlar
        Merhabalar
        Sayın yetkili
        Slm
    """,
    polite="""
        lütfen
        lutfen
        rica ediyorum
        mümkünse
        lütfen ya
    """,
    thanks="""
        teşekkürler
        teşekkür ederim
        sağ olun
        tşk
        saol
        şimdiden teşekkürler
    """,
    sign="""
        Saygılarımla
        İyi çalışmalar
        Kolay gelsin
        Teşekkürler
        Saygılar
    """,
    names="""
        Ayşe
        Mehmet
        Fatma
        Ahmet
        Zeynep
        Mustafa
        Elif
        Emre
        Merve
        Can
        Esra
        Burak
    """,
    exclaim="""
        ya
        off
        yahu
        ciddi misiniz
        aman
        of ya
        Allah Allah
    """,
    profanity="""
        kahretsin
        lanet olsun
        hay aksi
        yuh
        saçmalık
        hay Allah
    """,
    reasons="""
        başka şehre taşındım
        müşteriniz değilim
        yanlış numara
        artık hizmetinizi kullanmıyorum
        artık sizden alışveriş yapmıyorum
        çok fazla mesaj geliyor
        ihtiyacım olanı zaten aldım
        bu benim iş telefonum
        artık yurt dışında yaşıyorum
        numaramı değiştirdim
    """,
    context="""
        geçen yıl sizden bir ceket almıştım
        telefon bütün gün ötüyor
        şu an araba kullanıyorum
        dün sitenize bakıyordum
        işteyim konuşamam
        eşim bu numarayı vermiş
        sadece bir kere sipariş verdim
    """,
    connect="""
        ve
        yani
        çünkü
        neyse
        sonra
        bir de
        hem de
        işte
    """,
    out_long="""
        Bana artık mesaj göndermemenizi rica ediyorum
        Lütfen numaramı gönderim listenizden silin, artık hiçbir şey almak istemiyorum
        Şirketinizden mesaj alma iznimi bu mesajla geri çekiyorum
        Sizden artık ileti almak istemiyorum, lütfen kayıtlarınızı güncelleyin
        Bu numaraya yazmayı bırakır mısınız? Bu mesajları istemiyorum
        Beni tüm listelerinizden çıkarın ve bir daha aramayın
        Sizden artık WhatsApp mesajı almak istemiyorum
        Daha önce de yazmayın dedim, lütfen artık mesaj atmayın
        Numaramı toplu mesaj listesinden çıkarın lütfen
        Kişisel verilerimin işlenmesine ve ileti gönderilmesine verdiğim onayı geri alıyorum
        Verilerimin silinmesini ve bana ileti gönderilmemesini talep ediyorum
    """,
    wrong="""
        Yanlış numara, ben {name} değilim
        Yanlış kişiye yazdınız, burada {name} diye biri yok
        Bu artık {name} numarası değil, yazmayın lütfen
        {name} diye birini tanımıyorum, bu numarayı silin
        Kusura bakmayın, yanlış numara. {name} artık bu numarayı kullanmıyor
    """,
    mkt_long="""
        Lütfen bana reklam ve kampanya göndermeyin
        Kampanyalarınızla ilgilenmiyorum, artık göndermeyin
        İndirim ve kampanya mesajı istemiyorum
        Özel tekliflerinize ihtiyacım yok, göndermeyi bırakın
        Reklam mesajlarından çıkarın beni
        Kampanya mesajları yeter artık
        Bana kampanya mesajı göndermeyi bırakırsanız sevinirim
        Lütfen artık indirim kuponu göndermeyin
        Beni bültenden çıkarın lütfen
        Haftalık bülten göndermeyin artık
    """,
    complaint_long="""
        Size bana yazma izni hiç vermedim, bu spam ve şikayet edeceğim
        Numaramı nereden buldunuz? Hiçbir yere üye olmadım
        Bu taciz, bu numarayı WhatsApp'a şikayet ediyorum
        İzin vermedim, KVKK kapsamında şikayetçi olacağım
        Spam yapmayı bırakın yoksa şikayet ederim
        Numaramı size kim verdi?
        Üç kere durun dedim hâlâ yazıyorsunuz, bu taciz, şikayet edeceğim
        Numaramı kullanmanıza kimse izin vermedi, CİMER'e şikayet ediyorum
        Her gün spam atıyorsunuz, engelledim ve şikayet ettim
        Hiçbir yere üye olmadım, numaramı nereden buldunuz? Bu yasa dışı
        Öğleden önce beş mesaj, ciddi misiniz?
        Gece 3'te reklam mı atılır? İnanılmaz
        Her gün yeni bir mesaj, bu artık saçmalık
        Sabah 6'da reklamla uyandırdınız, ayıp
    """,
    in_long="""
        Yanlışlıkla abonelikten çıktım, lütfen tekrar mesaj gönderin
        Beni tekrar listeye ekleyin, yenilikleri almak istiyorum
        Tekrar abone olabilir miyim? Kampanyalarınızı özledim
        Mesajlarınızı tekrar almak istiyorum
        Evet, kampanyaları göndermeye devam edin
        Tekrar abone olmak istiyorum lütfen
        Daha önce mesajları kapatmıştım, tekrar açabilir misiniz?
        Beni bülten listenize ekleyin
        İndirim bildirimlerini almak istiyorum
        Fikrimi değiştirdim, bana yine mesaj gönderin
        Kampanya bildirimlerini tekrar açın lütfen
        Yanlışlıkla DUR yazdım, beni tekrar ekleyin
        Yanlışlıkla abonelikten çıktım, mesaj almaya devam etmek istiyorum
        İndirim olduğunda bana haber verin
        Benim numaramı da ekleyin
    """,
    help_long="""
        Pardon, kimsiniz? Bu numarayı tanımıyorum
        Bana kim yazıyor? Hangi firma bu?
        Bu numara kimin, konu nedir?
        Merhaba, siz kimsiniz? Bu kişi rehberimde yok
        Kimsiniz acaba?
        Kim olduğunuzu söyler misiniz?
    """,
    how="""
        Bu mesajları nasıl kapatırım?
        Uygulamadan abonelikten çıkmanın bir yolu var mı? Bulamadım
        Mesaj almamak için ne yazmam gerekiyor?
        Bildirim ayarlarını nereden değiştiririm?
        Bu mesajları almayı nasıl durdurabilirim?
        abonelikten nasıl çıkarım?
        listeden nasıl çıkılıyor?
        aboneliği nasıl iptal ederim?
    """,
    ordinary="""
        Siparişim {num} nerede?
        Kargom ne zaman gelir?
        Teşekkürler, aldım
        Kargo ücreti ne kadar?
        {size} beden var mı?
        Hâlâ stokta var mı?
        Yarın saat kaçta açılıyorsunuz?
        Kapıda kartla ödeme yapabilir miyim?
        Paket hasarlı geldi, ne yapmalıyım?
        Fişin fotoğrafı ekte
        Gelen ürünün fotoğrafı
        Tamam, teşekkürler!
        Evet
        Hayır teşekkürler
        Günaydın! İndirim hâlâ geçerli mi?
        Fiyatı ne kadar?
        Teslimat adresini değiştirebilir miyim?
        Ayakkabıları iade etmek istiyorum, küçük geldi
        Sipariş numaram {num}
        Süper, yarın görüşürüz
        Hafta sonu teslimat yapıyor musunuz?
        Fiyat alabilir miyim
        {price} ödedim, kontrol eder misiniz?
        Kargo takip numarasını gönderir misiniz
        Çok beğendim 😍
        Fatura alabilir miyim?
        Garanti süresi ne kadar?
        tamam
        Hangi renkler var?
        Anladım
    """,
    hard="""
        Neyden çıkayım? İndirimi istiyorum
        Abonelikten çıkmak istemiyorum, sadece fiyatı söyleyin
        Kuryeyi durdurun, evde değilim
        Otobüs durağına yakın mı?
        {num} numaralı siparişimi iptal edin lütfen
        Kampanya ne zaman başlıyor?
        Kargom günlerdir hareket etmiyor
        Sizden alışveriş yapmayı bırakamıyorum haha
        Durmayın, kampanyalarınız harika
        Sonra istersem abonelikten çıkabilir miyim?
        Kargo gelince mesaj atın
        Hediye paketini kaldırın lütfen
        Sepetten ikinci ürünü silin
        Siparişin durumu ne?
        Siparişimle ilgili yardım edebilir misiniz?
        Yarın mağazaya uğrayıp alabilir miyim?
        Saat bir hafta sonra durdu, değiştirebilir misiniz?
        Araba için stop lambası satıyor musunuz?
        Ödemeyi durdurun, yanlış kartı kullandım
        Abonelikten çıkmak mı? Asla, kampanyalarınızı seviyorum
        Beni listeden çıkarmayın, indirimleri seviyorum
        Bir paket bir aya yeter mi?
        İki metre yeterli olur mu?
        Kargoya verince bana yazın
        Sipariş için istediğiniz zaman yazabilirsiniz
        Yaz indirimi ne zaman başlıyor?
        Çamaşır makinesi yıkamanın ortasında duruyor, garantisi var mı?
    """,
)

_UK = _pack(
    greet="""
        Добрий день
        Доброго ранку
        Добрий вечір
        Привіт
        Вітаю
        Здрастуйте
        Шановні
    """,
    polite="""
        будь ласка
        будь-ласка
        прошу
        якщо можна
        дуже прошу
        будьте ласкаві
    """,
    thanks="""
        дякую
        дякую вам
        щиро дякую
        заздалегідь дякую
        спасибі
        дяк
    """,
    sign="""
        З повагою
        Гарного дня
        Дякую
        Всього доброго
    """,
    names="""
        Олена
        Оксана
        Наталія
        Ірина
        Андрій
        Олександр
        Тарас
        Марія
        Юлія
        Дмитро
        Віктор
        Софія
    """,
    exclaim="""
        ой
        ну от
        серйозно
        божечки
        ого
        ех
    """,
    profanity="""
        блін
        чорт
        трясця
        капець
        холера
        дідько
    """,
    reasons="""
        я переїхала в інше місто
        я вже не ваш клієнт
        це не мій номер
        я більше не користуюся вашими послугами
        я у вас більше не купую
        мені приходить забагато повідомлень
        я вже купила все, що треба
        це робочий телефон
        я тепер живу за кордоном
        я змінив номер
    """,
    context="""
        я у вас колись замовляла куртку
        телефон пищить цілий день
        я зараз за кермом
        я вчора дивилась ваш сайт
        я на роботі і не можу говорити
        чоловік дав вам цей номер
        я замовляла лише один раз
    """,
    connect="""
        і
        тому
        бо
        коротше
        загалом
        а ще
        ну і
        типу
    """,
    out_long="""
        Прошу більше не надсилати мені жодних повідомлень
        Будь ласка, видаліть мій номер з вашої бази розсилки, я не хочу більше нічого отримувати
        Цим відкликаю свою згоду на отримання повідомлень від вашої компанії
        Я більше не хочу отримувати від вас повідомлення, вилучіть мене зі списку
        Прошу припинити надсилати повідомлення на цей номер
        Відпишіть мене від усіх ваших розсилок і більше не пишіть
        Не треба мені більше нічого надсилати у вайбер
        Я вже просила не писати мені, припиніть
        Прошу вилучити мій номер з усіх списків розсилки
        Відкликаю згоду на обробку моїх персональних даних і на отримання повідомлень
        Прошу видалити мої дані та не надсилати мені повідомлень
    """,
    wrong="""
        Ви помилилися номером, я не {name}
        Це не {name}, у мене інший номер
        Це більше не номер {name}, не пишіть сюди
        Я не знаю ніякої {name}, видаліть цей номер
        Вибачте, це не номер {name}, приберіть його з бази
    """,
    mkt_long="""
        Будь ласка, не надсилайте мені рекламу та акції
        Ваші акції та знижки мене не цікавлять, більше не надсилайте
        Прошу вимкнути мені рекламну розсилку
        Не треба надсилати мені рекламні пропозиції
        Досить реклами, будь ласка
        Приберіть мене з розсилки акцій
        Буду вдячна, якщо перестанете надсилати акції
        Будь ласка, більше ніяких купонів і знижок
        Відпишіть мене від розсилки новин
        Не надсилайте мені щотижневі новини
    """,
    complaint_long="""
        Я не давала згоди на розсилку, це спам, буду скаржитися
        Звідки у вас мій номер? Я ніде не підписувався
        Це вже спам, напишу скаргу
        Припиніть спамити, інакше заблокую і поскаржуся
        Хто вам дав мій номер телефону?
        Я подам на вас скаргу, я не давав згоди
        Я вже тричі просила припинити, а ви все пишете, це спам, скаржуся
        Ніхто не давав вам права використовувати мій номер, подаю скаргу
        Ви щодня шлете спам, я вас заблокувала і поскаржилась
        Я ніде не підписувалась, звідки у вас мій номер? Це незаконно
        П'ять повідомлень до обіду, ви серйозно?
        Хто надсилає рекламу о третій ночі? Зовсім сорому немає
        Щодня по повідомленню, це вже знущання
        Розбудили мене о шостій ранку своєю рекламою, як не соромно
    """,
    in_long="""
        Я випадково відписалась, підпишіть мене знову будь ласка
        Хочу знову отримувати ваші повідомлення
        Поверніть мені розсилку, будь ласка
        Підпишіть мене знову на розсилку
        Надсилайте далі, мені цікаво
        Хочу отримувати акції та знижки
        Я раніше вимикала розсилку, увімкніть її знову
        Додайте мене до списку розсилки
        Хочу отримувати сповіщення про знижки
        Я передумала, надсилайте мені знову повідомлення
        Підключіть мені розсилку з акціями
        Випадково написала стоп, поверніть розсилку
        Я помилково відписалась, хочу знову отримувати
        Повідомляйте мене про знижки
        Додайте мій номер теж
    """,
    help_long="""
        Вибачте, а хто це? Я не знаю цей номер
        Хто ви і що це за розсилка?
        Що це за номер? Хто мені пише?
        Добрий день, а ви хто?
        Не зрозуміла, хто це пише?
        Підкажіть, хто ви?
    """,
    how="""
        Як вимкнути ці повідомлення?
        Як відписатися в застосунку? Не можу знайти
        Що треба відповісти, щоб не приходили повідомлення?
        Де в налаштуваннях вимкнути сповіщення?
        Підкажіть, як перестати отримувати ці повідомлення?
        як відписатися?
        як вимкнути розсилку?
        де можна відписатися?
    """,
    ordinary="""
        Де моє замовлення {num}?
        Коли прийде посилка?
        Дякую, все отримала
        Скільки коштує доставка?
        Є розмір {size}?
        Це ще є в наявності?
        О котрій ви завтра відкриваєтесь?
        Можна оплатити карткою при отриманні?
        Посилка прийшла пошкоджена, що робити?
        Ось фото чека
        Фото товару, який я отримала
        Добре, дякую!
        Так
        Ні, дякую
        Доброго ранку! Знижка ще діє?
        Скільки це коштує?
        Можна змінити адресу доставки?
        Хочу повернути черевики, вони малі
        Номер мого замовлення {num}
        Чудово, до завтра
        Ви доставляєте у вихідні?
        Ціну підкажіть будь ласка
        Я оплатила {price}, перевірте будь ласка
        Надішліть номер ТТН
        Дуже сподобалось 😍
        Можна рахунок на оплату?
        Яка гарантія?
        ок
        Які є кольори?
        Зрозуміло
    """,
    hard="""
        Відписатися від чого? Я хочу знижку
        Я не хочу відписуватися, просто скажіть ціну
        Зупиніть кур'єра, мене немає вдома
        Це біля зупинки?
        Скасуйте замовлення {num}, будь ласка
        Коли старт продажів?
        Посилка застрягла і не рухається
        Не можу перестати у вас купувати 😂
        Не зупиняйтесь, знижки супер
        Можна буде потім відписатися, якщо що?
        Досить гарна сукня, беру
        Напишіть мені, коли прийде замовлення
        Приберіть подарункову упаковку будь ласка
        Видаліть з кошика другий товар
        Допоможіть вибрати розмір
        Можна я завтра заскочу по замовлення?
        Годинник зупинився через тиждень, можна замінити?
        У вас є стоп-сигнали на авто?
        Зупиніть оплату, я не тією карткою заплатила
        Відписуватися не буду, мені подобаються ваші акції
        Не видаляйте мене зі списку, мені подобаються знижки
        Однієї пачки вистачить на місяць?
        Двох метрів вистачить?
        Напишіть, коли відправите
        Пишіть мені щодо замовлення будь-коли
        Коли почнеться розпродаж?
        Пральна машина зупиняється посеред прання, це гарантія?
    """,
)

_KK = _pack(
    greet="""
        Сәлеметсіз бе
        Қайырлы күн
        Қайырлы таң
        Қайырлы кеш
        Сәлем
        Салем
        Армысыз
    """,
    polite="""
        өтінемін
        өтініш
        мүмкін болса
        пожалуйста
        сізден сұраймын
    """,
    thanks="""
        рахмет
        рақмет
        алдын ала рахмет
        көп рахмет
        рахмет сізге
    """,
    sign="""
        Құрметпен
        Рахмет
        Сау болыңыз
        Жақсы күн тілеймін
    """,
    names="""
        Айгүл
        Асель
        Динара
        Айжан
        Ерлан
        Нұрлан
        Бауыржан
        Жанар
        Дәурен
        Әлия
        Серік
        Гүлнар
    """,
    exclaim="""
        ой
        ойбай
        апырай
        шынымен
        қой енді
        уай
    """,
    profanity="""
        шайтан
        әй
        құрсын
        блин
        қап
        әттеген-ай
    """,
    reasons="""
        мен басқа қалаға көштім
        мен сіздің клиентіңіз емеспін
        бұл менің нөмірім емес
        мен енді сіздің қызметіңізді қолданбаймын
        мен сізден енді сатып алмаймын
        маған хабарламалар тым көп келеді
        керегін сатып алып қойдым
        бұл жұмыс телефоны
        мен қазір шетелде тұрамын
        нөмірімді ауыстырдым
    """,
    context="""
        мен сізден бір рет күртеше алғанмын
        телефон күні бойы шылдырлайды
        қазір көлік жүргізіп келемін
        кеше сайтыңызды қарадым
        жұмыстамын сөйлесе алмаймын
        күйеуім осы нөмірді берген
        бір-ақ рет тапсырыс бергенмін
    """,
    connect="""
        және
        сондықтан
        себебі
        қысқасы
        әйтеуір
        содан кейін
        тағы
        яғни
    """,
    out_long="""
        Маған бұдан былай ешқандай хабарлама жібермеуіңізді сұраймын
        Өтінемін, нөмірімді таратылым тізімінен өшіріңіз, енді ештеңе алғым келмейді
        Компанияңыздан хабарлама алуға берген келісімімді кері қайтарамын
        Сізден енді хабарлама алғым келмейді, мені тізімнен шығарыңыз
        Бұл нөмірге хабарлама жіберуді тоқтатуыңызды өтінемін
        Барлық таратылымнан мені шығарыңыз және енді жазбаңыз
        Маған ватсапқа енді ештеңе жібермеңіз
        Жазбаңыз деп бұрын да айттым, тоқтатыңыз
        Жеке деректерімді өңдеуге және хабарлама алуға берген келісімімді қайтарып аламын
        Деректерімді жойып, маған хабарлама жібермеуді талап етемін
    """,
    wrong="""
        Нөмірден қателестіңіз, мен {name} емеспін
        Бұл {name} емес, менің нөмірім басқа
        Бұл енді {name} нөмірі емес, жазбаңыз
        Мен ешқандай {name} деген адамды білмеймін, бұл нөмірді өшіріңіз
        Кешіріңіз, қате нөмір, {name} бұл нөмірді қолданбайды
    """,
    mkt_long="""
        Өтінемін, маған жарнама мен акция жібермеңіз
        Сіздің акцияларыңыз маған қызық емес, енді жібермеңіз
        Жарнамалық таратылымды өшіріп тастаңызшы
        Маған жарнамалық ұсыныстар керек емес
        Жарнама жетеді, рахмет
        Акциялар туралы хабарламаларды тоқтатыңыз
        Маған акция жібермесеңіз риза болар едім
        Мені жаңалықтар таратылымынан шығарыңыз
    """,
    complaint_long="""
        Мен таратылымға келісім берген жоқпын, бұл спам, шағымданамын
        Нөмірімді қайдан алдыңыз? Мен ешқайда жазылған жоқпын
        Бұл спам, шағым түсіремін
        Спамды тоқтатыңыз, әйтпесе бұғаттап шағымданамын
        Нөмірімді сізге кім берді?
        Үш рет тоқтатыңыз дедім, әлі жазып жатырсыз, бұл спам, шағымданамын
        Нөмірімді қолдануға ешкім рұқсат берген жоқ, шағым түсіремін
        Күнде спам жібересіз, бұғаттадым және шағымдандым
        Түске дейін бес хабарлама, шынымен бе?
        Түнгі үште жарнама жібере ме екен? Ұят емес пе
        Күн сайын хабарлама, бұл енді шектен шықты
    """,
    in_long="""
        Байқамай жазылымнан шығып кеттім, қайта жазыңызшы
        Хабарламаларыңызды қайта алғым келеді
        Мені қайта тізімге қосыңыз
        Қайта жазылғым келеді, рахмет
        Акциялар туралы хабарлап тұрыңыз
        Бұрын таратылымды өшіріп едім, қайта қосыңызшы
        Мені таратылым тізіміне қосыңыз
        Жеңілдіктер туралы хабар алғым келеді
        Ойымды өзгерттім, маған қайта хабарлама жіберіңіз
        Байқамай стоп деп жазып қойдым, қайта қосыңызшы
        Жеңілдік болса маған хабарлаңыз
        Менің нөмірімді де қосыңыз
    """,
    help_long="""
        Кешіріңіз, бұл кім? Бұл нөмірді білмеймін
        Сіз кімсіз, бұл қандай таратылым?
        Бұл қандай нөмір? Маған кім жазып отыр?
        Сәлеметсіз бе, сіз кімсіз?
        Түсінбедім, бұл кім жазып отыр?
    """,
    how="""
        Бұл хабарламаларды қалай өшіруге болады?
        Қосымшада жазылымнан қалай шығамын? Таба алмадым
        Хабарлама келмеуі үшін не жазу керек?
        Хабарландыру баптауларын қайдан өзгертемін?
        Бұл хабарламаларды алуды қалай тоқтатамын?
        жазылымнан қалай шығамын?
        таратылымды қалай өшіремін?
    """,
    ordinary="""
        Менің тапсырысым {num} қайда?
        Сәлемдеме қашан келеді?
        Рахмет, бәрін алдым
        Жеткізу қанша тұрады?
        {size} өлшемі бар ма?
        Бұл әлі бар ма?
        Ертең сағат нешеде ашыласыз?
        Алғанда картамен төлеуге бола ма?
        Сәлемдеме бүлінген күйде келді, не істеймін?
        Міне чектің суреті
        Алған тауардың суреті
        Жарайды, рахмет!
        Иә
        Жоқ, рахмет
        Қайырлы таң! Жеңілдік әлі жарамды ма?
        Бұл қанша тұрады?
        Жеткізу мекенжайын өзгертуге бола ма?
        Аяқ киімді қайтарғым келеді, кішкентай екен
        Тапсырыс нөмірім {num}
        Керемет, ертеңге дейін
        Демалыс күндері жеткізесіз бе?
        Бағасын айтыңызшы
        Мен {price} төледім, тексеріңізші
        Трек нөмірін жіберіңізші
        Қатты ұнады 😍
        Шот-фактура ала аламын ба?
        Кепілдік қанша?
        жарайды
        Қандай түстері бар?
        Түсінікті
    """,
    hard="""
        Неден шығу керек? Маған жеңілдік керек
        Жазылымнан шыққым келмейді, бағасын айтыңызшы
        Курьерді тоқтатыңызшы, мен үйде емеспін
        Аялдамаға жақын ба?
        Тапсырысымды болдырмаңыз
        Акция қашан басталады?
        Сәлемдеме бірнеше күннен бері қозғалмай тұр
        Тапсырыс келгенде жазып жіберіңізші
        Бір қорап бір айға жетеді ме?
        Тоқтамаңыз, акцияларыңыз керемет
        Сыйлық орамын алып тастаңызшы
        Себеттен екінші тауарды өшіріңіз
        Өлшемді таңдауға көмектесіңізші
        Ертең дүкенге соғып алып кетуге бола ма?
        Сағат бір аптадан кейін тоқтап қалды, ауыстырып бересіз бе?
        Төлемді тоқтатыңыз, басқа картамен төлеп қойдым
        Мені тізімнен шығармаңыз, жеңілдіктер ұнайды
        Бір қорап бір айға жете ме?
        Екі метр жетеді ме?
        Жібергенде маған жазыңыз
        Тапсырыс бойынша кез келген уақытта жаза беріңіз
        Жеңілдік маусымы қашан басталады?
    """,
)

_UZ = _pack(
    greet="""
        Assalomu alaykum
        Salom
        Xayrli kun
        Xayrli tong
        Xayrli kech
        Assalomu aleykum
        Hurmatli jamoa
    """,
    polite="""
        iltimos
        marhamat
        iloji bo'lsa
        iltimos qilaman
        ilimos
    """,
    thanks="""
        rahmat
        katta rahmat
        oldindan rahmat
        raxmat
        tashakkur
    """,
    sign="""
        Hurmat bilan
        Rahmat
        Xayr
        Omad
    """,
    names="""
        Dilnoza
        Gulnora
        Malika
        Shahnoza
        Aziz
        Jasur
        Bekzod
        Sardor
        Nigora
        Otabek
        Feruza
        Rustam
    """,
    exclaim="""
        voy
        ey
        rostdan
        vooy
        qanaqasiga
        ajab
    """,
    profanity="""
        jin ursin
        la'nati
        e xudoyim
        tfu
        bo'ldi-da
    """,
    reasons="""
        boshqa shaharga ko'chib ketdim
        men sizning mijozingiz emasman
        bu mening raqamim emas
        endi xizmatlaringizdan foydalanmayman
        endi sizdan xarid qilmayman
        menga juda ko'p xabar keladi
        keragini sotib oldim
        bu ish telefonim
        hozir chet elda yashayman
        raqamimni almashtirdim
    """,
    context="""
        o'tgan yili sizdan kurtka olgandim
        telefon kun bo'yi jiringlaydi
        hozir mashina haydayapman
        kecha saytingizni ko'rdim
        ishdaman gaplasha olmayman
        turmush o'rtog'im bu raqamni bergan
        faqat bir marta buyurtma berganman
    """,
    connect="""
        va
        shuning uchun
        chunki
        xullas
        keyin
        yana
        ya'ni
    """,
    out_long="""
        Menga boshqa hech qanday xabar yubormasligingizni so'rayman
        Iltimos, raqamimni ro'yxatingizdan o'chiring, boshqa hech narsa olishni xohlamayman
        Kompaniyangizdan xabar olishga bergan roziligimni qaytarib olaman
        Sizdan boshqa xabar olishni istamayman, meni ro'yxatdan chiqaring
        Bu raqamga xabar yuborishni to'xtating iltimos
        Barcha ro'yxatlaringizdan meni o'chiring va boshqa yozmang
        Menga telegramga ham, whatsappga ham boshqa yozmang
        Oldin ham yozmang degandim, bas qiling
        Shaxsiy ma'lumotlarimni qayta ishlashga va xabar olishga bergan roziligimni qaytarib olaman
        Ma'lumotlarimni o'chirishingizni va menga xabar yubormasligingizni talab qilaman
    """,
    wrong="""
        Raqamni adashtirdingiz, men {name} emasman
        Bu {name} emas, mening raqamim boshqa
        Bu endi {name}ning raqami emas, yozmang
        Men hech qanday {name}ni tanimayman, bu raqamni o'chiring
        Kechirasiz, noto'g'ri raqam, {name} bu raqamdan foydalanmaydi
    """,
    mkt_long="""
        Iltimos, menga reklama va aksiyalar yubormang
        Aksiyalaringiz menga qiziq emas, boshqa yubormang
        Reklama tarqatmasini o'chirib qo'ying
        Menga reklama takliflari kerak emas
        Reklama yetarli, rahmat
        Aksiyalar haqidagi xabarlarni to'xtating
        Menga reklama yubormasangiz xursand bo'lardim
        Meni yangiliklar tarqatmasidan chiqaring
    """,
    complaint_long="""
        Men tarqatishga rozilik bermaganman, bu spam, shikoyat qilaman
        Raqamimni qayerdan oldingiz? Men hech qayerda obuna bo'lmaganman
        Bu spam, shikoyat qilaman
        Spamni to'xtating, aks holda bloklab shikoyat qilaman
        Raqamimni sizga kim berdi?
        Uch marta to'xtating dedim, hali ham yozyapsiz, bu spam, shikoyat qilaman
        Raqamimdan foydalanishga hech kim ruxsat bermagan, shikoyat yozaman
        Har kuni spam yuborasiz, blokladim va shikoyat qildim
        Tushgacha beshta xabar, rostdanmi?
        Kechasi soat uchda reklama yuboriladimi? Uyat
        Har kuni yana xabar, bu endi haddan oshdi
    """,
    in_long="""
        Bilmasdan obunadan chiqib ketdim, qayta obuna qiling
        Xabarlaringizni yana olishni xohlayman
        Meni qayta ro'yxatga qo'shing
        Qayta obuna bo'lmoqchiman, rahmat
        Aksiyalar haqida yozib turing
        Oldin xabarlarni o'chirgan edim, qayta yoqib bering
        Meni tarqatish ro'yxatiga qo'shing
        Chegirmalar haqida xabar olishni xohlayman
        Fikrimni o'zgartirdim, menga yana xabar yuboring
        Adashib stop deb yozib yubordim, qayta qo'shib qo'ying
        Chegirma bo'lsa menga xabar bering
        Mening raqamimni ham qo'shing
    """,
    help_long="""
        Kechirasiz, bu kim? Bu raqamni tanimayman
        Siz kimsiz, bu qanaqa xabar?
        Bu qanday raqam? Menga kim yozyapti?
        Assalomu alaykum, siz kimsiz?
        Tushunmadim, bu kim yozyapti?
    """,
    how="""
        Bu xabarlarni qanday o'chirsam bo'ladi?
        Ilovada obunadan qanday chiqiladi? Topolmadim
        Xabar kelmasligi uchun nima deb yozish kerak?
        Bildirishnoma sozlamalarini qayerdan o'zgartiraman?
        Bu xabarlarni olishni qanday to'xtataman?
        obunadan qanday chiqaman?
        obunani qanday bekor qilsa bo'ladi?
    """,
    ordinary="""
        Buyurtmam {num} qayerda?
        Posilka qachon keladi?
        Rahmat, hammasini oldim
        Yetkazib berish qancha turadi?
        {size} o'lchami bormi?
        Bu hali bormi?
        Ertaga soat nechada ochilasiz?
        Olganda karta bilan to'lasa bo'ladimi?
        Posilka shikastlangan holda keldi, nima qilay?
        Mana chekning rasmi
        Olgan mahsulotimning rasmi
        Xo'p, rahmat!
        Ha
        Yo'q, rahmat
        Xayrli tong! Chegirma hali amaldami?
        Bu qancha turadi?
        Yetkazib berish manzilini o'zgartirsa bo'ladimi?
        Poyabzalni qaytarmoqchiman, kichik ekan
        Buyurtma raqamim {num}
        Zo'r, ertagacha
        Dam olish kunlari yetkazasizmi?
        Narxini ayting
        Men {price} to'ladim, tekshirib bering
        Trek raqamini yuboring
        Juda yoqdi 😍
        Hisob-faktura olsam bo'ladimi?
        Kafolat qancha?
        xo'p
        Qanday ranglari bor?
        Tushunarli
    """,
    hard="""
        Nimadan chiqish kerak? Menga chegirma kerak
        Obunadan chiqmoqchi emasman, faqat narxini ayting
        Kuryerni to'xtating, men uyda emasman
        Bekatga yaqinmi?
        Buyurtmani bekor qiling
        Aksiya qachon boshlanadi?
        Posilka bir necha kundan beri joyidan qimirlamayapti
        Buyurtma kelganda yozing
        To'xtamang, aksiyalaringiz zo'r
        Sovg'a qog'ozini olib tashlang
        Savatdan ikkinchi mahsulotni o'chiring
        O'lcham tanlashga yordam bering
        Ertaga do'konga kirib olib ketsam bo'ladimi?
        Soat bir haftadan keyin to'xtab qoldi, almashtirib berasizmi?
        To'lovni to'xtating, boshqa karta bilan to'ladim
        Meni ro'yxatdan o'chirmang, chegirmalar yoqadi
        Bir quti bir oyga yetadimi?
        Ikki metr yetarlimi?
        Jo'natganingizda menga yozing
        Buyurtma bo'yicha istalgan vaqtda yozavering
        Chegirmalar qachon boshlanadi?
    """,
)

_ID = _pack(
    greet="""
        Halo
        Hai
        Selamat pagi
        Selamat siang
        Selamat sore
        Selamat malam
        Permisi
        Halo kak
        Assalamualaikum
    """,
    polite="""
        tolong
        mohon
        please
        ya kak
        kak
        tolong ya
    """,
    thanks="""
        terima kasih
        makasih
        trims
        thanks
        makasih ya kak
        terima kasih banyak
        tq
    """,
    sign="""
        Salam
        Hormat saya
        Terima kasih
        Salam hangat
    """,
    names="""
        Siti
        Budi
        Dewi
        Agus
        Rina
        Andi
        Putri
        Rizky
        Sri
        Dian
        Fajar
        Ayu
    """,
    exclaim="""
        aduh
        ya ampun
        astaga
        duh
        haduh
        serius
        wah
    """,
    profanity="""
        sialan
        anjir
        kampret
        dasar
        brengsek
        njir
    """,
    reasons="""
        saya sudah pindah ke kota lain
        saya bukan pelanggan kalian
        salah nomor
        saya sudah tidak pakai layanan kalian
        saya sudah tidak belanja di sana
        pesannya terlalu banyak
        saya sudah beli yang saya butuhkan
        ini nomor kantor
        sekarang saya tinggal di luar negeri
        saya ganti nomor
    """,
    context="""
        saya pernah beli jaket di toko kalian tahun lalu
        hp saya bunyi terus seharian
        saya lagi nyetir
        kemarin saya lihat-lihat website kalian
        saya lagi kerja tidak bisa bicara
        suami saya yang kasih nomor ini
        saya cuma pernah pesan sekali
    """,
    connect="""
        dan
        jadi
        soalnya
        terus
        pokoknya
        karena
        trus
        nah
    """,
    out_long="""
        Saya mohon jangan kirim pesan apa pun lagi ke saya
        Tolong hapus nomor saya dari daftar broadcast, saya tidak mau terima apa-apa lagi
        Dengan ini saya menarik persetujuan saya untuk menerima pesan dari perusahaan kalian
        Saya tidak ingin lagi menerima pesan dari kalian, mohon perbarui data kalian
        Bisa berhenti kirim pesan ke nomor ini? Saya tidak mau pesan ini
        Keluarkan saya dari semua daftar kalian dan jangan hubungi saya lagi
        Saya tidak mau dapat pesan WhatsApp dari kalian lagi
        Sudah saya bilang jangan chat lagi, tolong berhenti
        Saya mencabut persetujuan pemrosesan data pribadi saya dan penerimaan pesan
        Sesuai UU PDP saya minta data saya dihapus dan tidak dikirimi pesan lagi
    """,
    wrong="""
        Salah nomor, saya bukan {name}
        Salah orang kak, di sini tidak ada yang namanya {name}
        Ini bukan nomor {name} lagi, jangan kirim pesan ke sini
        Saya tidak kenal {name}, hapus nomor ini
        Maaf salah sambung, {name} sudah tidak pakai nomor ini
    """,
    mkt_long="""
        Tolong jangan kirim iklan dan promo ke saya
        Saya tidak tertarik dengan promo kalian, jangan kirim lagi
        Gak usah kirim info diskon lagi ya
        Saya tidak butuh penawaran kalian, berhenti kirim
        Keluarkan saya dari broadcast promo
        Cukup promonya kak
        Saya akan senang kalau kalian berhenti kirim promo
        Keluarkan saya dari newsletter ya
    """,
    complaint_long="""
        Saya tidak pernah kasih izin kalian kirim pesan, ini spam, saya laporkan
        Dapat nomor saya dari mana? Saya tidak pernah daftar
        Ini penipuan ya? Saya laporkan nomor ini ke WhatsApp
        Saya tidak pernah setuju, saya akan lapor ke pihak berwajib
        Berhenti spam atau saya laporkan
        Siapa yang kasih nomor saya ke kalian?
        Sudah tiga kali saya minta berhenti tapi masih kirim, ini spam, saya laporkan
        Tidak ada yang kasih izin pakai nomor saya, saya akan lapor
        Tiap hari kirim spam, sudah saya blokir dan laporkan
        Lima pesan sebelum siang, serius?
        Kirim iklan jam 3 pagi? Gak sopan banget
        Tiap hari ada pesan lagi, ini keterlaluan
    """,
    in_long="""
        Saya tidak sengaja berhenti berlangganan, tolong kirim pesan lagi
        Masukkan saya lagi ke daftar, saya mau dapat info terbaru
        Bisa langganan lagi kak? Kangen promonya
        Saya mau terima pesan dari kalian lagi
        Iya, kirim terus promonya ya
        Mau langganan lagi
        Dulu saya matikan pesannya, bisa diaktifkan lagi?
        Tambahkan saya ke daftar broadcast
        Saya mau dapat info diskon
        Saya berubah pikiran, kirimi saya pesan lagi
        Saya salah ketik stop, tolong aktifkan lagi
        Kabari saya kalau ada diskon
        Masukkan nomor saya juga
    """,
    help_long="""
        Maaf, ini siapa ya? Saya tidak kenal nomor ini
        Siapa yang chat saya? Ini perusahaan apa?
        Ini nomor siapa dan soal apa ya?
        Halo, kalian siapa? Saya tidak simpan kontak ini
        Boleh tahu ini siapa?
        Ini siapa ya kak?
    """,
    how="""
        Gimana cara matikan pesan ini?
        Ada cara berhenti langganan lewat aplikasi? Saya tidak ketemu
        Harus balas apa supaya tidak dapat pesan lagi?
        Pengaturan notifikasi di mana ya?
        Caranya supaya tidak terima pesan ini gimana?
        cara berhenti langganan gimana?
        gimana cara unsub?
    """,
    ordinary="""
        Pesanan saya {num} di mana ya?
        Kapan paket saya sampai?
        Makasih kak, sudah sampai
        Ongkirnya berapa?
        Ready ukuran {size}?
        Masih ada stoknya?
        Besok buka jam berapa?
        Bisa bayar COD?
        Paketnya datang rusak, gimana ini?
        Ini foto struknya
        Foto barang yang saya terima
        Oke, makasih!
        Iya
        Tidak usah, makasih
        Pagi kak! Diskonnya masih berlaku?
        Harganya berapa?
        Bisa ganti alamat pengiriman?
        Mau retur sepatu, kekecilan
        Nomor pesanan saya {num}
        Siap, sampai besok
        Kirim hari Minggu bisa?
        Harga kak
        Saya sudah transfer {price}, tolong dicek
        Minta nomor resinya kak
        Bagus banget 😍
        Bisa minta invoice?
        Garansinya berapa lama?
        oke
        Warna apa saja yang ada?
        Siap kak
    """,
    hard="""
        Berhenti langganan apa? Saya mau diskonnya
        Saya tidak mau berhenti langganan, kasih tahu harganya saja
        Kurirnya tolong berhenti di depan gang
        Dekat halte bus gak?
        Batalkan pesanan {num} ya kak
        Kapan mulai promonya?
        Paket saya sudah berhari-hari tidak bergerak
        Jangan lupa kirim resi ya kak
        Stop kontak yang kemarin rusak
        Jangan berhenti kasih promo, saya suka
        Nanti kalau mau unsub bisa kan?
        Hapus bungkus kadonya ya
        Hapus barang kedua dari keranjang
        Tolong bantu cek pesanan saya
        Besok saya mampir ke toko buat ambil ya
        Jamnya berhenti setelah seminggu, bisa tukar?
        Jual lampu rem motor gak?
        Tolong stop pembayarannya, saya salah kartu
        Jangan hapus saya dari daftar, saya suka promonya
        Satu pak cukup buat sebulan?
        Dua meter cukup gak?
        Kabari saya kalau sudah dikirim
        Chat saya aja kapan pun soal pesanan
        Kapan mulai diskon akhir tahun?
        Mesin cucinya berhenti di tengah, masih garansi?
    """,
)

_HI = _pack(
    greet="""
        नमस्ते
        नमस्कार
        हेलो
        हाय
        सुप्रभात
        शुभ संध्या
        प्रणाम
    """,
    polite="""
        कृपया
        प्लीज़
        प्लीज
        मेहरबानी करके
        निवेदन है
    """,
    thanks="""
        धन्यवाद
        शुक्रिया
        थैंक यू
        बहुत धन्यवाद
        आपका धन्यवाद
    """,
    sign="""
        सादर
        धन्यवाद
        आपका
        शुभकामनाएं
    """,
    names="""
        प्रिया
        राहुल
        अंजलि
        अमित
        पूजा
        विकास
        नेहा
        सुनील
        रीना
        अर्जुन
        सीमा
        रवि
    """,
    exclaim="""
        अरे
        हे भगवान
        उफ़
        सच में
        यार
        अरे यार
    """,
    profanity="""
        धत
        बकवास
        कमबख्त
        लानत है
        उफ्फ
        धत तेरी
    """,
    reasons="""
        मैं दूसरे शहर में शिफ्ट हो गया हूँ
        मैं आपका ग्राहक नहीं हूँ
        गलत नंबर
        मैं अब आपकी सेवा इस्तेमाल नहीं करता
        मैं अब वहाँ से खरीदारी नहीं करती
        बहुत ज़्यादा मैसेज आते हैं
        मुझे जो चाहिए था वो खरीद लिया
        यह मेरा ऑफिस का फोन है
        मैं अब विदेश में रहता हूँ
        मैंने नंबर बदल लिया है
    """,
    context="""
        मैंने पिछले साल आपसे एक जैकेट खरीदी थी
        फोन पूरे दिन बजता रहता है
        मैं अभी गाड़ी चला रहा हूँ
        कल मैं आपकी वेबसाइट देख रही थी
        मैं ऑफिस में हूँ बात नहीं कर सकता
        मेरे पति ने यह नंबर दिया था
        मैंने सिर्फ एक बार ऑर्डर किया था
    """,
    connect="""
        और
        तो
        क्योंकि
        मतलब
        फिर
        और हाँ
        यानी
    """,
    out_long="""
        कृपया मुझे आगे से कोई भी मैसेज न भेजें
        कृपया मेरा नंबर अपनी लिस्ट से हटा दीजिए, मुझे कुछ नहीं चाहिए
        मैं आपकी कंपनी से मैसेज पाने की अपनी सहमति वापस लेता हूँ
        मैं अब आपसे कोई संदेश नहीं चाहता, कृपया मुझे सूची से हटा दें
        इस नंबर पर मैसेज भेजना बंद कीजिए
        मुझे अपनी सारी लिस्ट से हटा दीजिए और फिर से संपर्क मत कीजिए
        मुझे आपके व्हाट्सएप मैसेज नहीं चाहिए
        पहले भी कहा था मैसेज मत भेजो, अब बंद करो
        मैं अपने व्यक्तिगत डेटा के उपयोग और मैसेज पाने की सहमति वापस लेता हूँ
        कृपया मेरा डेटा हटा दें और मुझे आगे कोई संदेश न भेजें
    """,
    wrong="""
        गलत नंबर, मैं {name} नहीं हूँ
        आपने गलत व्यक्ति को मैसेज किया है, यहाँ कोई {name} नहीं है
        यह अब {name} का नंबर नहीं है, मैसेज मत भेजिए
        मैं किसी {name} को नहीं जानता, यह नंबर हटा दीजिए
        माफ़ कीजिए, गलत नंबर है, {name} अब यह नंबर इस्तेमाल नहीं करते
    """,
    mkt_long="""
        कृपया मुझे विज्ञापन और ऑफर मत भेजिए
        मुझे आपके ऑफर में रुचि नहीं है, अब मत भेजिए
        डिस्काउंट वाले मैसेज नहीं चाहिए
        मुझे आपके स्पेशल ऑफर नहीं चाहिए, भेजना बंद करें
        प्रमोशन वाले मैसेज बंद कर दीजिए
        विज्ञापन बहुत हो गए, अब नहीं चाहिए
        अगर आप प्रमोशन वाले मैसेज भेजना बंद कर दें तो अच्छा होगा
        मुझे न्यूज़लेटर से हटा दीजिए
    """,
    complaint_long="""
        मैंने कभी मैसेज की अनुमति नहीं दी, यह स्पैम है, मैं शिकायत करूँगा
        मेरा नंबर कहाँ से मिला? मैंने कहीं रजिस्टर नहीं किया
        यह परेशान करना है, मैं इस नंबर की रिपोर्ट करूँगी
        मैंने सहमति नहीं दी, पुलिस में शिकायत करूँगा
        स्पैम बंद करो वरना शिकायत करूँगा
        मेरा नंबर आपको किसने दिया?
        तीन बार मना किया फिर भी मैसेज भेज रहे हो, यह स्पैम है, शिकायत करूँगा
        मेरा नंबर इस्तेमाल करने की अनुमति किसी ने नहीं दी, शिकायत दर्ज करूँगी
        रोज़ स्पैम भेजते हो, मैंने ब्लॉक करके रिपोर्ट कर दिया
        दोपहर से पहले पाँच मैसेज, मज़ाक है क्या?
        रात के तीन बजे विज्ञापन कौन भेजता है? शर्म करो
        हर दिन नया मैसेज, यह तो हद है
    """,
    in_long="""
        गलती से अनसब्सक्राइब हो गया, कृपया फिर से मैसेज भेजिए
        मुझे फिर से लिस्ट में जोड़ दीजिए
        फिर से सब्सक्राइब करना है, ऑफर भेजते रहिए
        मुझे आपके मैसेज फिर से चाहिए
        हाँ, ऑफर भेजते रहिए
        मैंने पहले मैसेज बंद किए थे, फिर से चालू कर दीजिए
        मुझे अपनी लिस्ट में जोड़ लीजिए
        मुझे डिस्काउंट की जानकारी चाहिए
        मेरा मन बदल गया, फिर से मैसेज भेजिए
        गलती से स्टॉप लिख दिया, फिर से जोड़ दीजिए
        डिस्काउंट हो तो मुझे बताइए
        मेरा नंबर भी जोड़ दीजिए
    """,
    help_long="""
        माफ़ कीजिए, यह कौन है? मैं यह नंबर नहीं जानता
        आप कौन हैं, यह कौन सी कंपनी है?
        यह किसका नंबर है? मुझे कौन मैसेज कर रहा है?
        नमस्ते, आप कौन हो?
        समझ नहीं आया, यह कौन है?
    """,
    how="""
        ये मैसेज बंद कैसे करें?
        क्या ऐप में अनसब्सक्राइब करने का तरीका है? मिल नहीं रहा
        मैसेज न आएं इसके लिए क्या लिखना होगा?
        नोटिफिकेशन सेटिंग कहाँ बदलें?
        ये मैसेज आना कैसे रोकूँ?
        अनसब्सक्राइब कैसे करें?
        लिस्ट से कैसे हटें?
    """,
    ordinary="""
        मेरा ऑर्डर {num} कहाँ है?
        पार्सल कब आएगा?
        धन्यवाद, मिल गया
        डिलीवरी चार्ज कितना है?
        {size} साइज़ है?
        क्या यह अभी उपलब्ध है?
        कल दुकान कितने बजे खुलेगी?
        क्या डिलीवरी पर कार्ड से पेमेंट कर सकते हैं?
        पार्सल टूटा हुआ आया है, क्या करूँ?
        यह रही रसीद की फोटो
        जो सामान मिला उसकी फोटो
        ठीक है, धन्यवाद!
        हाँ
        नहीं, धन्यवाद
        सुप्रभात! क्या डिस्काउंट अभी भी चालू है?
        इसकी कीमत क्या है?
        क्या डिलीवरी का पता बदल सकते हैं?
        जूते वापस करने हैं, छोटे हैं
        मेरा ऑर्डर नंबर {num} है
        बढ़िया, कल मिलते हैं
        क्या आप रविवार को डिलीवरी करते हैं?
        रेट बताइए
        मैंने {price} भेज दिए, चेक कर लीजिए
        ट्रैकिंग नंबर भेजिए
        बहुत अच्छा लगा 😍
        बिल मिल सकता है?
        वारंटी कितनी है?
        ओके
        कौन कौन से रंग हैं?
        समझ गया
    """,
    hard="""
        किससे अनसब्सक्राइब? मुझे तो डिस्काउंट चाहिए
        मुझे अनसब्सक्राइब नहीं करना, बस कीमत बताइए
        डिलीवरी वाले को रोक दो, मैं घर पर नहीं हूँ
        बस स्टॉप के पास है क्या?
        मेरा ऑर्डर कैंसिल कर दो
        सेल कब शुरू होगी?
        दुकान आज बंद है क्या?
        ऑर्डर आने पर मैसेज कर देना
        पार्सल कई दिन से आगे नहीं बढ़ा
        ऑफर भेजना बंद मत करना, मुझे पसंद हैं
        गिफ्ट रैप हटा दीजिए
        कार्ट से दूसरा आइटम हटा दो
        मेरे ऑर्डर में मदद कीजिए
        क्या मैं कल दुकान पर आकर ले सकता हूँ?
        घड़ी एक हफ्ते में बंद हो गई, बदल देंगे?
        पेमेंट रोक दीजिए, गलत कार्ड से हो गया
        मुझे लिस्ट से मत हटाइए, ऑफर अच्छे लगते हैं
        एक पैकेट एक महीने के लिए काफी है?
        दो मीटर काफी होगा?
        भेज दें तो मुझे मैसेज कर देना
        ऑर्डर के बारे में कभी भी मैसेज कर सकते हैं
        सेल कब से शुरू है?
    """,
)

_HI_LATN = _pack(
    greet="""
        Namaste
        Hello
        Hi
        Namaskar
        Good morning
        Hello ji
        Pranam
    """,
    polite="""
        please
        plz
        pls
        kripya
        meharbani karke
    """,
    thanks="""
        thank you
        thanks
        dhanyavaad
        shukriya
        thnx
        bahut dhanyavaad
    """,
    sign="""
        Regards
        Dhanyavaad
        Aapka
        Thanks
    """,
    names="""
        Priya
        Rahul
        Anjali
        Amit
        Pooja
        Vikas
        Neha
        Sunil
        Reena
        Arjun
        Seema
        Ravi
    """,
    exclaim="""
        arre
        hey bhagwan
        uff
        sach mein
        yaar
        arre yaar
    """,
    profanity="""
        dhat
        bakwas
        kya bakwas hai
        kambakht
        laanat hai
        dhat teri
    """,
    reasons="""
        main dusre shehar shift ho gaya hu
        main aapka customer nahi hu
        galat number
        main ab aapki service use nahi karta
        main ab wahan se shopping nahi karti
        bahut zyada message aate hain
        jo chahiye tha wo le liya
        ye mera office ka phone hai
        main ab videsh mein rehta hu
        maine number badal liya hai
    """,
    context="""
        maine pichle saal aapse ek jacket li thi
        phone pura din bajta rehta hai
        main abhi gaadi chala raha hu
        kal main aapki website dekh rahi thi
        main office mein hu baat nahi kar sakta
        mere husband ne ye number diya tha
        maine sirf ek baar order kiya tha
    """,
    connect="""
        aur
        toh
        kyunki
        matlab
        phir
        aur haan
        yaani
    """,
    out_long="""
        Please mujhe aage se koi bhi message mat bhejiye
        Please mera number apni list se hata dijiye, mujhe kuch nahi chahiye
        Main aapki company se message lene ki apni sahmati wapas leta hu
        Mujhe ab aapke message nahi chahiye, list se hata do
        Is number pe message bhejna band kijiye
        Mujhe saari list se hata do aur dobara contact mat karna
        Mujhe aapke whatsapp message nahi chahiye
        Pehle bhi bola tha message mat bhejo, ab band karo
        Main apne personal data ke use aur message paane ki sahmati wapas leta hu
        Mera data delete karo aur aage koi message mat bhejo
    """,
    wrong="""
        Galat number, main {name} nahi hu
        Aapne galat insaan ko message kiya hai, yahan koi {name} nahi hai
        Ye ab {name} ka number nahi hai, message mat bhejo
        Main kisi {name} ko nahi janta, ye number hata do
        Sorry galat number hai, {name} ab ye number use nahi karte
    """,
    mkt_long="""
        Please mujhe ads aur offers mat bhejo
        Mujhe aapke offers mein interest nahi hai, ab mat bhejna
        Discount wale message nahi chahiye
        Mujhe aapke special offer nahi chahiye, bhejna band karo
        Promotion wale message band kar do
        Bahut ho gaye ads, ab nahi chahiye
        Agar aap promotion wale message bhejna band kar do to accha hoga
        Mujhe newsletter se hata do
    """,
    complaint_long="""
        Maine kabhi permission nahi di, ye spam hai, complaint karunga
        Mera number kahan se mila? Maine kahin register nahi kiya
        Ye harassment hai, main is number ko report karungi
        Maine consent nahi diya, police complaint karunga
        Spam band karo warna complaint karunga
        Mera number aapko kisne diya?
        Teen baar mana kiya phir bhi message bhej rahe ho, ye spam hai, complaint karunga
        Mera number use karne ki permission kisi ne nahi di, complaint karungi
        Roz spam bhejte ho, maine block karke report kar diya
        Dopahar se pehle paanch message, mazaak hai kya?
        Raat ke teen baje ad kaun bhejta hai? Sharam karo
        Har din naya message, ye to hadd hai
    """,
    in_long="""
        Galti se unsubscribe ho gaya, please phir se message bhejiye
        Mujhe phir se list mein add kar do
        Phir se subscribe karna hai, offers bhejte raho
        Mujhe aapke message phir se chahiye
        Haan, offers bhejte rahiye
        Maine pehle message band kiye the, phir se chalu kar do
        Mujhe apni list mein jod lo
        Mujhe discount ki updates chahiye
        Mera mann badal gaya, phir se message bhejo
        Galti se stop likh diya, phir se add kar do
        Discount ho to mujhe batana
        Mera number bhi add kar do
    """,
    help_long="""
        Sorry, ye kaun hai? Main ye number nahi janta
        Aap kaun ho, ye kaunsi company hai?
        Ye kiska number hai? Mujhe kaun message kar raha hai?
        Hello, aap kaun ho?
        Samajh nahi aaya, ye kaun hai?
    """,
    how="""
        Ye message band kaise karu?
        App mein unsubscribe karne ka tarika hai kya? Mil nahi raha
        Message na aaye iske liye kya likhna hoga?
        Notification setting kahan badlu?
        Ye messages aana kaise roku?
        unsubscribe kaise karu?
        list se kaise hatu?
    """,
    ordinary="""
        Mera order {num} kahan hai?
        Parcel kab aayega?
        Thank you mil gaya
        Delivery charge kitna hai?
        {size} size hai?
        Ye abhi available hai?
        Kal shop kitne baje khulegi?
        Delivery pe card se payment ho jayega?
        Parcel toota hua aaya hai, kya karu?
        Ye rahi receipt ki photo
        Jo saaman mila uski photo
        Theek hai, thanks!
        Haan
        Nahi, thank you
        Good morning! Discount abhi bhi chalu hai?
        Iska price kya hai?
        Delivery address change ho sakta hai?
        Shoes return karne hain, chhote hain
        Mera order number {num} hai
        Badhiya, kal milte hain
        Sunday ko delivery karte ho?
        Rate batao
        Maine {price} bhej diye, check kar lo
        Tracking number bhejo
        Bahut accha laga 😍
        Bill mil sakta hai?
        Warranty kitni hai?
        ok
        Kaun kaun se colour hain?
        Samajh gaya
    """,
    hard="""
        Kis cheez se unsubscribe? Mujhe toh discount chahiye
        Mujhe unsubscribe nahi karna, bas price batao
        Delivery boy ko rok do, main ghar pe nahi hu
        Bus stop ke paas hai kya?
        Order cancel kar do
        Sale kab start hogi?
        Band hai kya shop aaj?
        Order aaye to message kar dena
        Parcel kai din se aage nahi badha
        Offers bhejna band mat karna, mujhe pasand hain
        Gift wrap hata do please
        Cart se dusra item hata do
        Mere order mein madad karo
        Kal shop pe aake le sakta hu kya?
        Ghadi ek hafte mein band ho gayi, badal doge?
        Payment rok do, galat card se ho gaya
        Mujhe list se mat hatao, offers acche lagte hain
        Ek packet ek mahine ke liye kaafi hai?
        Do meter kaafi hoga?
        Bhej do to mujhe message kar dena
        Order ke baare mein kabhi bhi message kar sakte ho
        Sale kab se shuru hai?
    """,
)

_AR = _pack(
    greet="""
        مرحبا
        السلام عليكم
        أهلا
        صباح الخير
        مساء الخير
        هلا
        تحية طيبة
    """,
    polite="""
        من فضلك
        لو سمحت
        رجاء
        الرجاء
        لو تكرمت
        ارجوكم
    """,
    thanks="""
        شكرا
        شكراً جزيلاً
        مشكور
        يعطيك العافية
        شكرا مقدما
        تسلم
    """,
    sign="""
        مع التحية
        تحياتي
        شكرا
        مع خالص التقدير
    """,
    names="""
        أحمد
        محمد
        فاطمة
        سارة
        علي
        نور
        يوسف
        مريم
        خالد
        ليلى
        عمر
        هدى
    """,
    exclaim="""
        يا الله
        اف
        والله
        يا رب
        يعني
        يا جماعة
    """,
    profanity="""
        تبا
        اللعنة
        زفت
        قرف
        يا ساتر
        اف منكم
    """,
    reasons="""
        انتقلت إلى مدينة أخرى
        أنا لست عميلاً لديكم
        رقم خطأ
        لم أعد أستخدم خدماتكم
        لم أعد أشتري منكم
        تصلني رسائل كثيرة جداً
        اشتريت ما أحتاجه
        هذا رقم العمل
        أعيش الآن خارج البلد
        غيرت رقمي
    """,
    context="""
        اشتريت منكم جاكيت السنة الماضية
        الجوال يرن طول اليوم
        أنا أسوق الآن
        أمس كنت أتصفح موقعكم
        أنا في الدوام ولا أستطيع الكلام
        زوجي أعطاكم هذا الرقم
        طلبت منكم مرة واحدة فقط
    """,
    connect="""
        و
        يعني
        لأن
        المهم
        بعدين
        كمان
        عشان
    """,
    out_long="""
        أرجو منكم عدم إرسال أي رسائل أخرى لي
        الرجاء حذف رقمي من قائمة الإرسال، لا أريد استلام أي شيء
        أسحب بموجب هذه الرسالة موافقتي على استلام رسائل من شركتكم
        لم أعد أرغب في استلام أي رسائل منكم، الرجاء تحديث بياناتكم
        ممكن توقفون الرسائل على هذا الرقم؟ ما أبي هذي الرسائل
        احذفوني من كل القوائم ولا تتواصلوا معي مرة ثانية
        لا أريد رسائل واتساب منكم بعد الآن
        قلت لكم من قبل لا ترسلوا لي، توقفوا من فضلكم
        أسحب موافقتي على معالجة بياناتي الشخصية وعلى استلام الرسائل
        أطلب حذف بياناتي وعدم إرسال أي رسائل لي
    """,
    wrong="""
        رقم خطأ، أنا لست {name}
        غلطانين بالشخص، ما في أحد اسمه {name} هنا
        هذا لم يعد رقم {name}، لا ترسلوا هنا
        لا أعرف أي {name}، احذفوا هذا الرقم
        عذراً الرقم غلط، {name} ما عاد يستخدم هذا الرقم
    """,
    mkt_long="""
        من فضلكم لا ترسلوا لي إعلانات وعروض
        لست مهتماً بعروضكم، لا ترسلوها مرة أخرى
        ما أبي رسائل تخفيضات وعروض
        لا أحتاج عروضكم الخاصة، توقفوا عن إرسالها
        أوقفوا رسائل الدعاية من فضلكم
        كفاية إعلانات
        أكون ممتنا لو توقفتم عن إرسال العروض
        ألغوا اشتراكي في النشرة الإخبارية
    """,
    complaint_long="""
        لم أعطكم إذناً بمراسلتي، هذا سبام وسأبلغ عنكم
        من وين جبتوا رقمي؟ أنا ما اشتركت في شي
        هذا إزعاج، سأبلغ عن هذا الرقم في واتساب
        لم أوافق على هذا، سأقدم شكوى رسمية
        أوقفوا الرسائل المزعجة وإلا سأشتكي
        مين أعطاكم رقمي؟
        طلبت منكم ثلاث مرات تتوقفون وما زلتم ترسلون، هذا إزعاج وسأشتكي
        ما أحد أعطاكم إذن تستخدمون رقمي، سأقدم بلاغ
        كل يوم ترسلون سبام، حظرتكم وبلغت عنكم
        خمس رسائل قبل الظهر، جد؟
        مين يرسل إعلانات الساعة ٣ الفجر؟ عيب عليكم
        كل يوم رسالة جديدة، هذا شي ما ينطاق
    """,
    in_long="""
        ألغيت الاشتراك بالغلط، أرجو إرسال الرسائل مرة أخرى
        أضيفوني للقائمة من جديد
        أريد الاشتراك مجددا، أرسلوا لي العروض
        أريد استلام رسائلكم مرة أخرى
        نعم، استمروا في إرسال العروض
        كنت موقف الرسائل قبل، ممكن ترجعوها؟
        أضيفوني لقائمة الإرسال
        أبي توصلني تنبيهات الخصومات
        غيرت رأيي، أرسلوا لي الرسائل من جديد
        كتبت توقف بالغلط، رجعوني للقائمة
        بلغوني إذا فيه خصومات
        ضيفوا رقمي كمان
    """,
    help_long="""
        عفواً، من معي؟ لا أعرف هذا الرقم
        من أنتم وما هذه الشركة؟
        رقم مين هذا؟ مين يراسلني؟
        مرحبا، مين حضرتك؟
        ما فهمت، من أنتم؟
    """,
    how="""
        كيف أوقف هذه الرسائل؟
        هل في طريقة لإلغاء الاشتراك من التطبيق؟ ما لقيتها
        ايش أكتب عشان ما توصلني رسائل؟
        وين أغير إعدادات الإشعارات؟
        كيف أقدر أوقف وصول هذه الرسائل؟
        كيف ألغي الاشتراك؟
        طريقة إلغاء الاشتراك ايش؟
    """,
    ordinary="""
        وين طلبي رقم {num}؟
        متى توصل الشحنة؟
        شكرا وصلني الطلب
        كم سعر التوصيل؟
        هل يوجد مقاس {size}؟
        هل المنتج متوفر؟
        متى تفتحون بكرة؟
        هل أقدر أدفع بالبطاقة عند الاستلام؟
        الشحنة وصلت تالفة، ماذا أفعل؟
        هذه صورة الفاتورة
        صورة المنتج الذي استلمته
        تمام، شكرا!
        نعم
        لا شكرا
        صباح الخير! هل الخصم ما زال ساري؟
        كم السعر؟
        هل أقدر أغير عنوان التوصيل؟
        أبي أرجع الحذاء، صغير علي
        رقم طلبي {num}
        ممتاز، نشوفكم بكرة
        هل توصلون يوم الجمعة؟
        السعر لو سمحت
        حولت {price}، ممكن تتأكدون؟
        أرسلوا لي رقم التتبع
        حلو مرة 😍
        ممكن فاتورة؟
        كم مدة الضمان؟
        تمام
        ايش الألوان المتوفرة؟
        فهمت
    """,
    hard="""
        ألغي الاشتراك من ايش؟ أنا أبي الخصم
        ما أبي ألغي الاشتراك، بس قولوا لي السعر
        أوقفوا المندوب أنا مو في البيت
        محطة الباص قريبة من المحل؟
        إلغاء الطلب رقم {num}
        متى يبدأ العرض؟
        الشحنة واقفة من أيام
        لا تنسوا الفاتورة
        لا توقفوا العروض، حلوة مرة
        أقدر ألغي الاشتراك بعدين إذا حبيت؟
        شيلوا تغليف الهدية لو سمحت
        احذفوا المنتج الثاني من السلة
        ممكن تساعدوني في طلبي؟
        ممكن أمر على المحل بكرة وآخذه؟
        الساعة وقفت بعد أسبوع، ممكن تبدلونها؟
        أوقفوا الدفع، استخدمت البطاقة الغلط
        لا تحذفوني من القائمة، أحب العروض
        علبة وحدة تكفي شهر؟
        مترين يكفون؟
        راسلوني إذا انشحن الطلب
        تقدرون تراسلوني أي وقت بخصوص الطلب
        متى تبدأ التخفيضات؟
        الغسالة توقف في نص الدورة، عليها ضمان؟
    """,
)


# ---------------------------------------------------------------------------
# Scripts: romanised Cyrillic, Uzbek in both alphabets
# ---------------------------------------------------------------------------

_ROMAN: Final[dict[str, tuple[str, ...]]] = {
    "а": ("a",),
    "б": ("b",),
    "в": ("v", "v", "w"),
    "г": ("g",),
    "д": ("d",),
    "е": ("e", "e", "ye"),
    "ё": ("yo", "e"),
    "ж": ("zh", "j"),
    "з": ("z",),
    "и": ("i",),
    "й": ("y", "i", "j"),
    "к": ("k",),
    "л": ("l",),
    "м": ("m",),
    "н": ("n",),
    "о": ("o",),
    "п": ("p",),
    "р": ("r",),
    "с": ("s",),
    "т": ("t",),
    "у": ("u",),
    "ф": ("f",),
    "х": ("h", "kh", "x"),
    "ц": ("ts", "c"),
    "ч": ("ch", "ch", "4"),
    "ш": ("sh", "sh", "w"),
    "щ": ("sch", "sh", "shch"),
    "ъ": ("",),
    "ы": ("y", "i"),
    "ь": ("", "", "'"),
    "э": ("e",),
    "ю": ("yu", "iu", "u"),
    "я": ("ya", "ia", "a"),
    "і": ("i",),
    "ї": ("yi", "i"),
    "є": ("ye", "e"),
    "ґ": ("g",),
    "ә": ("a", "ae"),
    "ғ": ("g", "gh"),
    "қ": ("q", "k"),
    "ң": ("n", "ng"),
    "ө": ("o", "oe"),
    "ұ": ("u",),
    "ү": ("u", "ue"),
    "һ": ("h",),
}
_UK_ROMAN: Final[dict[str, tuple[str, ...]]] = {"и": ("y", "y", "i")}


def romanise(text: str, language: str, rng: random.Random) -> str:
    """Cyrillic text as customers write it in Latin letters («отпишите» → "otpishite"),
    choosing among the usual spellings at random."""
    extra = _UK_ROMAN if language == "uk" else {}
    out: list[str] = []
    for char in text:
        lower = char.lower()
        options = extra.get(lower) or _ROMAN.get(lower)
        if options is None:
            out.append(char)
            continue
        roman = options[0] if len(options) == 1 else rng.choice(options)
        out.append(roman.capitalize() if char != lower else roman)
    return "".join(out)


_UZ_APOSTROPHES: Final = "'‘’ʻʼ`"
_UZ_PAIRS: Final = {"sh": "ш", "ch": "ч", "yo": "ё", "yu": "ю", "ya": "я", "ye": "е"}
_UZ_SINGLE: Final = dict(
    zip("abdefghijklmnopqrstuvxyzcw", "абдефгҳижклмнопқрстувхйзцв", strict=True)
)
_UZ_BACK: Final = {
    "ў": "o'",
    "ғ": "g'",
    "ш": "sh",
    "ч": "ch",
    "ё": "yo",
    "ю": "yu",
    "я": "ya",
    "е": "e",
    "э": "e",
    "ҳ": "h",
    "х": "x",
    "қ": "q",
    "ж": "j",
    "й": "y",
    "ц": "ts",
    "ъ": "'",
    "ь": "",
    "ы": "i",
    "щ": "sh",
    **dict(zip("абвгдзиклмнопрстуф", "abvgdziklmnoprstuf", strict=True)),
}


def _cased(source: str, target: str) -> str:
    return target.upper() if source.isupper() and len(source) == 1 else target


def uz_to_cyrillic(text: str) -> str:
    """Uzbek from the Latin alphabet to the Cyrillic one ("to'xtating" → «тўхтатинг»)."""
    out: list[str] = []
    i = 0
    lower = text.lower()
    while i < len(text):
        char = text[i]
        pair = lower[i : i + 2]
        if len(pair) == 2 and pair[1] in _UZ_APOSTROPHES and pair[0] in "og":
            out.append(_cased(char, "ў" if pair[0] == "o" else "ғ"))
            i += 2
        elif pair in _UZ_PAIRS:
            out.append(_cased(char, _UZ_PAIRS[pair]))
            i += 2
        else:
            low = lower[i]
            if low == "e" and (i == 0 or not text[i - 1].isalpha()):
                out.append(_cased(char, "э"))
            elif low in _UZ_SINGLE:
                out.append(_cased(char, _UZ_SINGLE[low]))
            elif low in _UZ_APOSTROPHES and 0 < i < len(text) - 1 and text[i - 1].isalpha():
                out.append("ъ")
            else:
                out.append(char)
            i += 1
    return "".join(out)


def uz_to_latin(text: str) -> str:
    """Uzbek from the Cyrillic alphabet to the Latin one («тўхтатинг» → "to'xtating")."""
    out: list[str] = []
    for i, char in enumerate(text):
        lower = char.lower()
        latin = _UZ_BACK.get(lower)
        if latin is None:
            out.append(char)
            continue
        if lower == "е" and (i == 0 or not text[i - 1].isalpha()):
            latin = "ye"
        out.append(latin.capitalize() if char != lower else latin)
    return "".join(out)


_PACKS: Final[dict[str, _Pack]] = {
    "ru": _RU,
    "en": _EN,
    "es": _ES,
    "pt": _PT,
    "de": _DE,
    "fr": _FR,
    "it": _IT,
    "tr": _TR,
    "uk": _UK,
    "kk": _KK,
    "uz": _UZ,
    "uz-Cyrl": _map_pack(_UZ, uz_to_cyrillic),
    "id": _ID,
    "hi": _HI,
    "hi-Latn": _HI_LATN,
    "ar": _AR,
}


# ---------------------------------------------------------------------------
# Lexicon seeds
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seeds:
    """One language's lexicon patterns by use (unexpanded: a pattern is picked first, then
    one of its expansions, so that a pattern with many alternatives is not overweighted)."""

    opt_out: tuple[str, ...]
    opt_out_marketing: tuple[str, ...]
    opt_in: tuple[str, ...]
    opt_in_marketing: tuple[str, ...]
    complaint: tuple[str, ...]
    help: tuple[str, ...]
    guard: tuple[str, ...]
    decline: tuple[str, ...]
    topic_words: tuple[str, ...]  # complete words (wildcards filled from the lexicon)
    marketing_words: tuple[str, ...]


@functools.cache
def _lexicon_data() -> LexiconData:
    resource = resources.files("bot") / "data" / "lexicon.json"
    return parse_lexicon(resource.read_text(encoding="utf-8"), DEFAULT_LEXICON_RESOURCE)


@functools.cache
def _expanded(pattern: str) -> tuple[str, ...]:
    return tuple(expand(pattern))


def _complete(words: Sequence[str], vocabulary: frozenset[str]) -> tuple[str, ...]:
    """Single words with ``*`` endings replaced by the lexicon's own words that fit."""
    out: list[str] = []
    for raw in words:
        for word in _expanded(raw):
            if not word.endswith("*"):
                out.append(word)
                continue
            stem = word[:-1]
            fits = sorted(w for w in vocabulary if w.startswith(stem) and w != stem)
            out.extend(fits or [stem])
    return tuple(dict.fromkeys(out))


@functools.cache
def _seeds(language: str) -> _Seeds:
    entry: LanguageData = _lexicon_data().languages[language]
    phrase_lists = (
        entry.opt_out.all,
        entry.opt_out.marketing,
        entry.opt_in.all,
        entry.opt_in.marketing,
        entry.complaint,
        entry.help,
        entry.guard,
        entry.decline,
        entry.unclear,
    )
    vocabulary = frozenset(
        word
        for patterns in phrase_lists
        for pattern in patterns
        for phrase in _expanded(pattern)
        for word in phrase.split()
    )
    return _Seeds(
        opt_out=entry.opt_out.all,
        opt_out_marketing=entry.opt_out.marketing,
        opt_in=entry.opt_in.all,
        opt_in_marketing=entry.opt_in.marketing or entry.opt_in.all,
        complaint=entry.complaint,
        help=entry.help,
        guard=entry.guard,
        decline=tuple(p for p in entry.decline if all(len(e.split()) <= 2 for e in expand(p))),
        topic_words=_complete(entry.topic_words, vocabulary),
        marketing_words=_complete(entry.marketing_words, vocabulary),
    )


# ---------------------------------------------------------------------------
# Noise
# ---------------------------------------------------------------------------

_QWERTY_ROWS: Final = ("qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,.")


def _neighbours() -> dict[str, str]:
    position = {key: (r, c) for r, row in enumerate(_QWERTY_ROWS) for c, key in enumerate(row)}
    out: dict[str, str] = {}
    for key, (r, c) in position.items():
        near = [
            _QWERTY_ROWS[rr][cc]
            for rr in (r - 1, r, r + 1)
            if 0 <= rr < len(_QWERTY_ROWS)
            for cc in (c - 1, c, c + 1)
            if 0 <= cc < len(_QWERTY_ROWS[rr]) and (rr, cc) != (r, c)
        ]
        out[key] = "".join(near)
    return out


_KEY_NEIGHBOURS: Final = _neighbours()
_LATIN_NEIGHBOURS: Final = {
    key: "".join(n for n in near if n.isalpha())
    for key, near in _KEY_NEIGHBOURS.items()
    if key.isalpha()
}
_CYRILLIC_NEIGHBOURS: Final = {
    to_cyrillic(key): to_cyrillic(near) for key, near in _KEY_NEIGHBOURS.items()
}
_VOWEL_CONFUSIONS: Final = {"а": "о", "о": "а", "ы": "и", "и": "ые", "е": "и", "я": "е"}
_LATIN_LOOKALIKES: Final = {"o": "0", "a": "4@", "e": "3", "s": "$5", "i": "1!", "l": "1"}
_CYRILLIC_LOOKALIKES: Final = {
    "о": "0o",
    "а": "a@",
    "е": "e3",
    "с": "c",
    "р": "p",
    "х": "x",
    "у": "y",
    "к": "k",
    "з": "3",
    "ч": "4",
    "б": "6",
    "м": "m",
}
_PUNCTUATION: Final = re.compile(r"[.,!?¿¡;:…،؟।]+")
_LATIN_WORD: Final = re.compile(r"^[A-Za-z']+$")
_CYRILLIC_TEXT: Final = re.compile("[а-яёіїєўқғҳ]")


def _substitute(word: str, i: int, table: dict[str, str], rng: random.Random) -> str:
    options = table.get(word[i].lower())
    if not options:
        return word
    return word[:i] + rng.choice(options) + word[i + 1 :]


def _typo(word: str, language: str, rng: random.Random) -> str:
    """One slip of the finger: a letter dropped, swapped, doubled or hit next to its key,
    or a vowel Russian speakers confuse."""
    letters = [i for i, char in enumerate(word) if char.isalpha()]
    if len(letters) < 3:
        return word
    i = rng.choice(letters)
    kind = rng.random()
    if kind < 0.25:
        return word[:i] + word[i + 1 :]
    if kind < 0.5 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.6:
        return word[:i] + word[i] + word[i:]
    if kind < 0.85:
        table = _CYRILLIC_NEIGHBOURS if language in _CYRILLIC_LANGUAGES else _LATIN_NEIGHBOURS
        return _substitute(word, i, table, rng)
    if language in _CYRILLIC_LANGUAGES:
        vowels = [j for j in letters if word[j].lower() in _VOWEL_CONFUSIONS]
        if vowels:
            return _substitute(word, rng.choice(vowels), _VOWEL_CONFUSIONS, rng)
    return word[:i] + word[i + 1 :]


def _lookalike(word: str, rng: random.Random) -> str:
    """Digits and foreign letters that look like the real ones ("st0p", «стoп», "4d$")."""
    table = _CYRILLIC_LOOKALIKES if re.search("[а-яё]", word.lower()) else _LATIN_LOOKALIKES
    spots = [i for i, char in enumerate(word) if char.lower() in table]
    for i in rng.sample(spots, k=min(len(spots), rng.randint(1, 2))):
        word = _substitute(word, i, table, rng)
    return word


def _random_case(text: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


class _Maker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lexicon = default_lexicon()

    # -- helpers -------------------------------------------------------------------------

    def pick(self, items: Sequence[str]) -> str:
        return items[self.rng.randrange(len(items))]

    def phrase(self, patterns: Sequence[str]) -> str:
        return self.pick(_expanded(self.pick(patterns)))

    def fill(self, text: str, pack: _Pack) -> str:
        rng = self.rng
        if "{name}" in text:
            text = text.replace("{name}", self.pick(pack.names))
        if "{num}" in text:
            number = str(rng.randint(10**3, 10**7))
            text = text.replace("{num}", rng.choice(("", "", "#", "№")) + number)
        if "{size}" in text:
            text = text.replace("{size}", self.pick(("S", "M", "L", "XL", "XS", "38", "40", "42")))
        if "{price}" in text:
            amount = str(rng.choice((rng.randint(5, 99), rng.randint(100, 9999))))
            text = text.replace("{price}", amount + rng.choice(("", "", " $", "€", " ₽", "₺")))
        return text

    def verdict_is(self, text: str, intent: Intent, marketing: bool) -> bool:
        verdict = self.lexicon.classify_text(text)
        return verdict.intent is intent and (MARKETING in verdict.categories) == marketing

    def compose(self, first: Sequence[str], words: Sequence[str], *, marketing: bool) -> str | None:
        """A request or a decline next to a topic or ad word («не нужны» + «смс»), kept only
        when the rules read it as the opt-out it is meant to be."""
        if not first or not words:
            return None
        for _ in range(6):
            head, word = self.phrase(first), self.pick(words)
            text = f"{head} {word}" if self.rng.random() < 0.75 else f"{word} {head}"
            if self.verdict_is(text, Intent.OPT_OUT, marketing):
                return text
        return None

    # -- what the message says ---------------------------------------------------------

    def core(self, language: str, label: str) -> tuple[str, str]:
        rng, pack, seeds = self.rng, _PACKS[language], _seeds(language)
        r = rng.random()
        if label == "opt_out":
            if r < 0.03:
                return "", "emoji"
            if r < 0.5:
                return self.phrase(seeds.opt_out), "lexicon"
            if r < 0.56:
                return self.pick(_KEYWORDS + _LANGUAGE_KEYWORDS.get(language, ())), "keyword"
            if r < 0.62:
                text = self.compose(seeds.decline, seeds.topic_words, marketing=False)
                if text:
                    return text, "compose"
                return self.phrase(seeds.opt_out), "lexicon"
            if r < 0.82:
                return self.pick(pack.out_long), "long"
            if r < 0.95:
                return self.pick(pack.wrong), "wrong_person"
            emoji = self.pick(STOP_EMOJI) * rng.randint(1, 3)
            return f"{emoji} {self.phrase(seeds.opt_out)}", "emoji_phrase"
        if label == "opt_out_marketing":
            composed = None
            if 0.4 <= r < 0.65:
                composed = self.compose(seeds.opt_out, seeds.marketing_words, marketing=True)
            elif 0.65 <= r < 0.8:
                composed = self.compose(seeds.decline, seeds.marketing_words, marketing=True)
            elif r >= 0.8:
                return self.pick(pack.mkt_long), "long"
            if composed:
                return composed, "compose"
            return self.phrase(seeds.opt_out_marketing), "lexicon"
        if label == "complaint":
            if r < 0.7:
                return self.phrase(seeds.complaint), "lexicon"
            return self.pick(pack.complaint_long), "long"
        if label == "opt_in":
            if r < 0.4:
                return self.phrase(seeds.opt_in), "lexicon"
            if r < 0.6:
                return self.phrase(seeds.opt_in_marketing), "lexicon"
            return self.pick(pack.in_long), "long"
        if label == "help":
            if r < 0.55:
                return self.phrase(seeds.help), "lexicon"
            if r < 0.78:
                return self.pick(pack.help_long), "long"
            return self.pick(pack.how), "how"
        return self.ordinary(language, r)

    def ordinary(self, language: str, r: float) -> tuple[str, str]:
        rng, pack, seeds = self.rng, _PACKS[language], _seeds(language)
        if r < 0.42:
            return self.pick(pack.ordinary), "ordinary"
        if r < 0.64:
            return self.pick(pack.hard), "hard"
        if r < 0.8 and seeds.guard:
            guard = self.phrase(seeds.guard)
            how = rng.random()
            if how < 0.3:
                return guard + "?", "guard"
            if how < 0.6:
                return f"{guard} {self.pick(pack.polite)}", "guard"
            return f"{guard}, {self.pick(pack.ordinary)}", "guard"
        if r < 0.86 and seeds.decline:
            decline = self.phrase(seeds.decline)
            if rng.random() < 0.5:
                decline = f"{decline}, {self.pick(pack.thanks)}"
            return decline, "decline"
        return f"{self.pick(pack.ordinary)} {self.pick(pack.ordinary)}", "ordinary"

    # -- around it ------------------------------------------------------------------------

    def dress(self, language: str, label: str, core: str) -> str:
        """Greetings, politeness, reasons, thanks and signatures around the request."""
        rng, pack = self.rng, _PACKS[language]
        english = _PACKS["en"]
        polite_pack = english if language != "en" and rng.random() < 0.08 else pack
        before: list[str] = []
        after: list[str] = []
        if rng.random() < 0.05:
            before.append(self.pick(pack.exclaim) + rng.choice((",", "!", "")))
        if rng.random() < 0.03:
            before.append(self.pick(pack.profanity) + rng.choice((",", "!", "")))
        if rng.random() < 0.25:
            before.insert(0, self.pick(pack.greet) + rng.choice((",", "!", "", ".")))
        if rng.random() < 0.15:
            before.append(self.pick(polite_pack.polite))
        if rng.random() < 0.15:
            after.append(self.pick(polite_pack.polite))
        if label in _OPT_OUTS and rng.random() < 0.2:
            after.append(rng.choice((", ", ". ", " - ", " ")) + self.pick(pack.reasons))
        if rng.random() < 0.15:
            after.append(rng.choice((", ", ". ", "! ", " ")) + self.pick(polite_pack.thanks))
        if rng.random() < 0.06:
            signature = f"{self.pick(pack.sign)}, {self.pick(pack.names)}"
            after.append(rng.choice(("\n", ". ", "\n\n")) + signature)
        text = " ".join([*before, core])
        for part in after:
            text += part if part[:1] in ",.-!\n " else " " + part
        return text

    def voice(self, language: str, label: str, core: str) -> str:
        """A voice-to-text run-on: 30 words or more, no punctuation, all lower case."""
        rng, pack = self.rng, _PACKS[language]
        pieces = [self.pick(pack.context) for _ in range(rng.randint(1, 3))]
        pieces.insert(rng.randint(0, len(pieces)), core)
        if rng.random() < 0.6:
            pieces.insert(0, self.pick(pack.greet))
        if label in _OPT_OUTS and rng.random() < 0.5:
            pieces.append(self.pick(pack.reasons))
        if rng.random() < 0.5:
            pieces.append(self.pick(pack.thanks))
        while sum(len(p.split()) for p in pieces) < 30:
            pieces.insert(rng.randint(0, len(pieces)), self.pick(pack.context))
        joined = pieces[0]
        for piece in pieces[1:]:
            glue = f" {self.pick(pack.connect)} " if rng.random() < 0.6 else " "
            joined += glue + piece
        return " ".join(_PUNCTUATION.sub(" ", joined).lower().split())

    # -- noise ------------------------------------------------------------------------------

    def scripts(self, text: str, language: str) -> tuple[str, str]:
        rng = self.rng
        if language in _ROMANISED and rng.random() < 0.06:
            return romanise(text, language, rng), language
        if language == "uz" and rng.random() < 0.12:
            return uz_to_cyrillic(text), "uz-Cyrl"
        if language == "uz-Cyrl" and rng.random() < 0.12:
            return uz_to_latin(text), "uz"
        return text, language

    def noise(self, text: str, language: str, label: str) -> str:
        rng = self.rng
        cyrillic = language in _CYRILLIC_LANGUAGES and bool(_CYRILLIC_TEXT.search(text.lower()))
        if cyrillic and rng.random() < 0.04:
            text = to_latin(text)  # the whole message with the keyboard in English mode
        elif language == "en" and rng.random() < 0.03:
            text = to_cyrillic(text)  # the whole message with the keyboard in Russian mode
        words = text.split(" ")
        level = rng.random()
        typo_rate = 0.0 if level < 0.5 else 0.1 if level < 0.8 else 0.25
        lookalike = rng.random() < 0.06
        for i, word in enumerate(words):
            r = rng.random()
            if r < typo_rate:
                words[i] = _typo(word, language, rng)
            elif lookalike and r < typo_rate + 0.3:
                words[i] = _lookalike(word, rng)
            elif cyrillic and r > 0.97:
                words[i] = to_latin(word)
            elif _LATIN_WORD.match(word) and (
                (cyrillic and r > 0.6) or (language == "en" and r > 0.98)
            ):
                words[i] = to_cyrillic(word)
        if len(words) > 1 and rng.random() < 0.03:
            i = rng.randrange(len(words) - 1)
            words[i : i + 2] = [words[i] + words[i + 1]]
        text = " ".join(words)
        if rng.random() < 0.04:
            letters = [i for i, char in enumerate(text) if char.isalpha()]
            if letters:
                i = rng.choice(letters)
                text = text[:i] + text[i] * rng.randint(2, 5) + text[i:]
        case = rng.random()
        if case < 0.3:
            text = text.lower()
        elif case < 0.42:
            text = text.upper()
        elif case < 0.52:
            text = text[:1].upper() + text[1:]
        elif case < 0.55:
            text = _random_case(text, rng)
        ending = rng.random()
        if ending < 0.25:
            text = " ".join(_PUNCTUATION.sub(" ", text).split())
        elif ending < 0.37:
            text = text.rstrip(".!") + "!" * rng.randint(1, 4)
        elif ending < 0.43:
            text = text.rstrip(".!") + "."
        elif ending < 0.46:
            text += "..."
        elif ending < 0.48 and label not in _OPT_OUTS:
            text += "?"
        if rng.random() < 0.06:
            text += rng.choice((" ", "")) + self.pick(_DECORATION)
        return text

    # -- one message ----------------------------------------------------------------------

    def make(self, language: str, label: str) -> Variant:
        rng = self.rng
        core, source = self.core(language, label)
        pack = _PACKS[language]
        if source == "emoji":
            text = "".join(self.pick(STOP_EMOJI) for _ in range(rng.randint(1, 3)))
            if rng.random() < 0.4:
                text += " " + self.pick(pack.thanks if rng.random() < 0.6 else pack.polite)
            return Variant(text, language, label, source)
        core = self.fill(core, pack)
        voice_rate = 0.06 if label in ("opt_out", "none") else 0.03
        if rng.random() < voice_rate:
            text, source = self.voice(language, label, core), source + "+voice"
        else:
            text = self.dress(language, label, core)
        text = self.fill(text, pack)
        text, tag = self.scripts(text, language)
        return Variant(self.noise(text, tag, label), tag, label, source)


def generate(count: int, seed: int = 0) -> list[Variant]:
    """``count`` labelled messages, the same for the same seed.

    Languages and labels take turns (:data:`LANGUAGES` × :data:`LABEL_SLOTS`), so any
    ``count`` of at least :data:`ROUND` has every label in every language.
    """
    maker = _Maker(random.Random(seed))  # noqa: S311 (training data, not secrets)
    per_language = len(LABEL_SLOTS)
    out: list[Variant] = []
    for i in range(count):
        slot = i % ROUND
        out.append(maker.make(LANGUAGES[slot // per_language], LABEL_SLOTS[slot % per_language]))
    return out
