"""Decode the bytes of a text file into ``str``, detecting the encoding.

Chinese news arrives as UTF-8 (with or without a BOM), GB18030/GBK, Big5 or
UTF-16.  A BOM or clean UTF-8 decides at once; otherwise charset-normalizer,
restricted to those candidates, picks the encoding whose decoding reads most
like natural text.

>>> decode("漯河市基层党建工作经验做法".encode("gbk"))
('漯河市基层党建工作经验做法', 'gb18030')
>>> decode(b"\\xef\\xbb\\xbfabc")
('abc', 'utf-8-sig')
"""
from __future__ import annotations

import codecs

import charset_normalizer

CANDIDATES = ["gb18030", "big5", "utf_16_le", "utf_16_be"]


class DecodeError(ValueError):
    """The bytes are binary, or no supported encoding decodes them."""


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` or raise :class:`DecodeError`."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as err:
                raise DecodeError(f"undecodable bytes at byte {err.start} for {name}") from None
    if b"\x00\x00" in data:
        raise DecodeError("binary file (runs of NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8_error = err
    else:
        if "\x00" in text:
            raise DecodeError("binary file (NUL bytes)")
        return text, "utf-8"
    best = charset_normalizer.from_bytes(data, cp_isolation=CANDIDATES).best()
    if best is None:
        raise DecodeError(f"undecodable bytes at byte {utf8_error.start}: "
                          "not UTF-8, GB18030, Big5 or UTF-16")
    text = str(best)
    if "\x00" in text or _mostly_control(text):
        raise DecodeError("binary file")
    if best.encoding.startswith("utf_16") and not _looks_like_text(text):
        raise DecodeError("undecodable bytes: not UTF-8, GB18030 or Big5, and no text as UTF-16")
    return text, best.encoding


def _looks_like_text(text: str) -> bool:
    """Any even number of bytes decodes as UTF-16; real text has spaces, newlines or punctuation."""
    return any(c in text[:4096] for c in "\n ，。、")


def _mostly_control(text: str) -> bool:
    control = sum(1 for c in text[:4096] if c < " " and c not in "\n\r\t\f")
    return control > max(2, len(text[:4096]) // 100)
