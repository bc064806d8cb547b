r"""Text from a run shown so that what it holds is what is seen, in a terminal or a page.

A control character can drive a terminal (``ESC ]0;…BEL`` sets its window title,
a carriage return writes over a line), a bidirectional override can show ``evil``
as ``live``, and a zero-width or format character shows nothing at all.  Each such
character is shown as its Python escape instead; a line break stays a line break
(callers that show it as a mark replace it first), a tab between table cells stays a
tab, and everything else is kept.

>>> printable("标题\x1b]0;title\x07正文")
'标题\\x1b]0;title\\x07正文'
>>> printable("id\u202eevil\u2066\r")
'id\\u202eevil\\u2066\\r'
>>> printable("一\u3000二 三\n四\t五")  # spaces, line breaks and tabs are text
'一\u3000二 三\n四\t五'
"""
from __future__ import annotations

import unicodedata

#: The Unicode categories shown escaped: controls (C0, DEL, C1), format characters (bidi
#: overrides and isolates, zero-width characters, the BOM), lone surrogates (which no file
#: can encode), and the line and paragraph separators (which break a line unseen).
ESCAPED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: The control characters that are layout, not commands: a line break and a tab.
KEPT = "\n\t"


def printable(text: str) -> str:
    """``text`` with every control, format, surrogate and separator character but the line
    break and the tab escaped (``\\x1b``, ``\\u202e``)."""
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(_escaped(c) if c not in KEPT and unicodedata.category(c) in ESCAPED else c for c in text)


def _escaped(character: str) -> str:
    return character.encode("unicode_escape").decode("ascii")
