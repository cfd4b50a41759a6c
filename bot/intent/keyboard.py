"""Keyboard layouts: a word typed with the keyboard in the wrong language mode.

A customer whose phone keyboard is in English mode types «стоп» as "cnjg", and one in Russian
mode types "stop" as «ыещз». Both are the same keys on the standard Russian ЙЦУКЕН and US
QWERTY layouts; Ukrainian and Kazakh layouts share the Russian positions for the letters that
matter here (Ukrainian і, ї, є sit where Russian ы, ъ, э are).

:func:`to_cyrillic` and :func:`to_latin` map text key by key. They are pure, and the matcher
tries them only on words it does not know (see :mod:`bot.intent.repair`).
"""

from __future__ import annotations

from typing import Final

__all__ = ["LATIN_KEYS", "to_cyrillic", "to_latin"]

# The Russian letter on each key of the US layout, in key order.
LATIN_KEYS: Final = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_RUSSIAN: Final = "йцукенгшщзхъфывапролджэячсмитьбюё"
_UKRAINIAN_EXTRA: Final = {"і": "s", "ї": "]", "є": "'", "ґ": "`"}

_TO_CYRILLIC: Final = str.maketrans(dict(zip(LATIN_KEYS, _RUSSIAN, strict=True)))
_TO_LATIN: Final = str.maketrans(
    {**dict(zip(_RUSSIAN, LATIN_KEYS, strict=True)), **_UKRAINIAN_EXTRA}
)


def to_cyrillic(text: str) -> str:
    """What the same keys give on the Russian layout ("cnjg" → «стоп»); lower case."""
    return text.lower().translate(_TO_CYRILLIC)


def to_latin(text: str) -> str:
    """What the same keys give on the US layout («ыещз» → "stop"); lower case."""
    return text.lower().translate(_TO_LATIN)
