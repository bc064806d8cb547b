"""The comparison key: what two texts are compared on, blind to script, width, spacing and punctuation.

>>> comparison_key("“微党建”特色服务，ＶＩＰ 客戶。")
'微党建特色服务VIP客户'
"""
from __future__ import annotations

import unicodedata

import opencc
import regex

_T2S = opencc.OpenCC("t2s")
_DROP = regex.compile(r"[\p{P}\p{S}\p{Z}\s\p{Cc}\p{Cf}]+")


def comparison_key(text: str) -> str:
    """OpenCC t2s, NFKC, then no white space, punctuation or symbols."""
    return _DROP.sub("", unicodedata.normalize("NFKC", _T2S.convert(text)))
