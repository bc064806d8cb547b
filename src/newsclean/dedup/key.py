"""The comparison key: what two texts are compared on, blind to script, width, spacing and punctuation.

>>> comparison_key("“微党建”特色服务，ＶＩＰ 客戶。")
'微党建特色服务VIP客户'
"""
from __future__ import annotations

import re
import unicodedata

from ..normalize.convert import to_simplified

#: Everything but letters and digits: punctuation, symbols, white space, controls, private use.
#: (The standard library's Unicode \w is letters, digits and the underscore.)
_DROP = re.compile(r"[\W_]+")


def comparison_key(text: str) -> str:
    """OpenCC t2s, then :func:`letters`."""
    return letters(to_simplified(text))


def letters(text: str) -> str:
    """NFKC, then letters and digits only: no white space, punctuation or symbols.

    Punctuation goes first, so NFKC (slow on CJK text) runs only on what is left, and only
    when that is not already normalised; it can make new symbols (``①`` is ``1``, a
    compatibility space), so they are removed once more.

    >>> letters("“一转”即：转变观念。")
    '一转即转变观念'
    """
    key = _DROP.sub("", text)
    if not unicodedata.is_normalized("NFKC", key):
        key = _DROP.sub("", unicodedata.normalize("NFKC", key))
    return key
