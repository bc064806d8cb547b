"""Decide whether a sentence runs across the seam between two blocks, and on what evidence.

Evidence is graded.  *Strong* evidence joins two blocks wherever they are, so
it also finds displaced continuations: a dictionary word running across the
seam (``领导干`` / ``部要``), a page break that repeated a character (``带`` /
``带动``), a block that cannot open a sentence (``，`` ``的`` ``了``), a quote
or bracket left open on one side and closed on the other (``创办“微`` /
``党建”特色``), or an enumeration that goes on (``“5”是…`` / ``“6”是…``).
*Weak* evidence (a long block that stops mid-sentence) joins only neighbours.

>>> judge = SeamJudge(RepairRules.load())
>>> judge.strong("提升干部能力的主战场，领导干", "部要坚持民主集中制。").evidence
'word 干部'
>>> judge.strong("依托村党群服务中心建成投用电商扶贫服务站，带", "带动600余户群众增加收入。").evidence
'repeated 带, word 带动'
>>> judge.strong("全面提升为民服务水平，天", "天为群众办实事。").evidence  # 天天 is a real word: keep both
'word 天天'
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from html.entities import html5

import regex


from ..names import PAGE_BREAK, PAGE_BREAK_REPEATED_CHAR
from ..normalize.convert import to_simplified
from .lexicon import WINDOW, segment, spanning_word, word_across, word_count
from .rules import EDGE_CHARS, RepairRules

#: Punctuation that is never doubled in Chinese text (unlike …… and ——).
REPEATABLE_PUNCTUATION = "，。、；：！？"
#: A reduplication (``天天``) stays doubled unless a word read without the copy is at least
#: this fraction as common: ``文静`` (74) against ``静静`` (236) drops the copy.
REDUPLICATION_RIVAL = 4
#: How far from a block's end a function word marks it as a cut sentence.
SENTENCE_TAIL = 8
#: A particle that opens a word at least this common opens a sentence too (``过去``, ``的确``).
OPENING_WORD = 100
#: A Latin word must be this long for the document's own spelling of it to decide a doubled
#: letter at a seam (``www`` cut as ``w`` / ``ww`` is no repeat).
ECHO_WORD = 3
#: The most characters two blocks may hold together for their seam's judgement to be
#: remembered (a longer pair is no key to keep).
REMEMBERED_PAIR = 1000

_HAN = regex.compile(r"\p{Han}")
_CLAUSE_MARK = regex.compile(r"[，、,；;。！？]|[：:]$")
_SENTENCE_MARK = regex.compile(r"[，。！？；]")
_OPEN_END = regex.compile(r"[\p{Han}\d，、,“「『《（(][”」』]?$")
_COMMA_END = regex.compile(r"[，、,]$")
_CLAUSE_INSIDE = regex.compile(r"[，、,；;。！？]")
_OPENER_END = regex.compile(r"[“「『《（(【\[]$")
_SENTENCE_END_INSIDE = regex.compile(r"[。！？][”」』）)]*(?=.)")
#: The sentence a paragraph breaks off must hold this many Han characters (``。3`` is an item number).
LAST_SENTENCE_HAN = 2
#: An item number opening a block (``一、``, ``2．``, ``（三）``): its mark is no clause.
_ITEM_MARK = regex.compile(r"[（(]?[\d一二三四五六七八九十]{1,3}[、.．)）]")
_NOT_LETTER = regex.compile(r"[^\p{Han}A-Za-z0-9]+")
#: A headline's words come back in its lead: at least this share of its letter pairs (of at
#: least this many) recur in the first characters of the block after it.
RESTATED_SHARE, RESTATED_MIN, LEAD_CHARS = 0.4, 3, 150
_WEAK_LEFT = regex.compile(r"[\p{Han}\p{N}，、,·]")
_WEAK_RIGHT = regex.compile(r"[\p{Han}\p{N}“「《A-Za-z]")
#: A block of Chinese text ending in a Latin letter, and one going on with a letter: a Latin
#: word cut by the break (``在Face`` / ``book贴出``), joined without a space.
_LATIN_END = regex.compile(r"\p{Han}[^\p{Han}]{0,20}[A-Za-z]$")
_LATIN_START = regex.compile(r"[A-Za-z]")
#: English text stopping on a word, and a block going on in lower case, which no English
#: sentence opens with: ``necessary to ma`` / ``ke justice a reality``.
_ENGLISH_END = regex.compile(r"[A-Za-z]+ [A-Za-z]+,?$")
_LOWER_START = regex.compile(r"[a-z]")
#: An e-mail address cut after its at sign, which never ends one: ``caibian3＠`` / ``peopledaily．com．cn``.
_ADDRESS_END = regex.compile(r"[A-Za-z0-9._-][@＠]$")
_ADDRESS_START = regex.compile(r"[A-Za-z0-9]")
_LATIN_LETTER = regex.compile(r"[A-Za-z]")
_LATIN_TAIL = regex.compile(r"[A-Za-z]+$")
_LATIN_HEAD = regex.compile(r"[A-Za-z]+")
_DIGIT = regex.compile(r"[0-9]")
_DIGITS_TAIL = regex.compile(r"[0-9]+$")
_DIGITS_HEAD = regex.compile(r"[0-9]+")
#: How near the seam a bracket must open (in the left block) and close (in the right) for the
#: pair to join them when a quote inside it was left open: ``X Japan(…获得“`` / ``视觉系“称号的乐团)``.
NEAR = 30
PAIRS = {"“": "”", "「": "」", "『": "』", "（": "）", "(": ")", "《": "》", "【": "】", "[": "]"}
CLOSERS = {v: k for k, v in PAIRS.items()}
_BRACKET = regex.compile(f"[{regex.escape(''.join(PAIRS) + ''.join(CLOSERS))}]")
MARKUP = "*#_|~ "
CHINESE_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九十", start=0)}
#: The first digits of an item number after a sentence end, and the rest of one with its mark.
_ITEM_HEAD = regex.compile(r"[。！？；](?<n>\d{1,2})$")
_ITEM_TAIL = regex.compile(r"(?<n>\d{1,2})(?<mark>[.．、])")
ENUMERATION = regex.compile(
    r"“(?<n>\d{1,2})”是|(?<n>[一二三四五六七八九十]{1,3})是|(?<!\d)(?<n>\d{1,2})[、.．](?!\d)"
    r"|[（(](?<n>\d{1,2}|[一二三四五六七八九十]{1,3})[)）]|第(?<n>[一二三四五六七八九十]{1,3})[，、是]")


@dataclass(frozen=True)
class Seam:
    """Two blocks join: ``rule`` names the damage, ``drop`` characters of the right block go.

    ``basis`` is the kind of evidence (``word``, ``repeated``, ``continuation``, ``quote``,
    ``enumeration``, ``latin``, ``address``, ``open``, ``wrap``), ``word`` the dictionary
    word involved if any, ``support`` a second kind of evidence behind a repeated character
    (``continuation`` or ``quote``), and ``evidence`` the sentence the edit log shows.
    """

    rule: str
    drop: int = 0
    evidence: str = ""
    basis: str = ""
    word: str | None = None
    support: str = ""

    @property
    def binds_lines(self) -> bool:
        """The evidence holds between two lines of verse or a list: a mark that the next line
        goes on (``（下转第二版）``), not a word or a character that two lines share by chance
        (``春风学生`` / ``生产春风``)."""
        return "continuation" in (self.basis, self.support)

    def retold(self, prefix: str) -> "Seam":
        """The same seam, its evidence introduced by ``prefix`` (``moved back: …``)."""
        return replace(self, evidence=f"{prefix}: {self.evidence}")


class SeamJudge:
    """Judge seams with the rules of ``rules/seams.toml`` and ``rules/reduplication.toml``."""

    def __init__(self, rules: RepairRules):
        self.rules = rules
        # the same block is asked about several times: remember the answers (pure functions)
        self.closed = functools.lru_cache(maxsize=1 << 14)(self._closed)
        self.heading_shaped = functools.lru_cache(maxsize=1 << 14)(self._heading_shaped)
        self._strong_remembered = functools.lru_cache(maxsize=1 << 14)(self._strong)
        #: The most characters at a block's end that :meth:`weak` reads of it, or of its length
        #: past which its answer for the block is the same (the longest heading, unit, or rule edge).
        self.reach = max(EDGE_CHARS, rules.heading_max_chars, rules.units.longest)

    def _closed(self, text: str) -> str | None:
        """The rule by which ``text`` ends a unit, or ``None`` when it stops mid-sentence."""
        return self.rules.closed_end(text.rstrip(" "))

    def _heading_shaped(self, text: str) -> bool:
        """Short, with no clause or sentence punctuation and no quote left open: ``临颍县``,
        ``编者按``, a title, ``西贡北港：非原居民人妻挑战原居民`` (a colon inside is fine)."""
        return len(text) <= self.rules.heading_max_chars and not _CLAUSE_MARK.search(text) \
            and not self.dangles(text) \
            and not self.closed(text) and not _unclosed_opener(text)

    def line_shaped(self, text: str, among_lines: bool = False) -> bool:
        """Short enough for a line of verse or a list, and not ending where lines rarely end:
        on an opening quote or bracket, or a word that dangles (``…联合举办的“``), nor on a
        comma (``专员李先生表示，``) but ``among_lines``, a run of other short lines, as
        verse ends its lines (``床前明月光，`` / ``疑是地上霜。``).  Those are the pieces of a
        sentence cut short."""
        return len(text) <= self.rules.heading_max_chars and not _OPENER_END.search(text) \
            and (among_lines or not _COMMA_END.search(text)) and not self.dangles(text)

    def dangles(self, text: str) -> bool:
        """``text`` stops on a word no sentence or headline ends on (``rules/seams.toml``,
        kind ``dangling``) standing alone, not the end of a longer word: ``…总结了地形对``
        dangles, ``此页尚未校对`` (校对) does not.

        >>> judge = SeamJudge(RepairRules.load())
        >>> judge.dangles("总结了地形对"), judge.dangles("此页尚未校对")
        (True, False)
        """
        return bool(self.rules.dangles(text)) and len(segment(to_simplified(text[-WINDOW:]))[-1]) == 1

    def ties(self, text: str) -> bool:
        """``text`` ends on a particle that ties its phrase to what follows (``rules/seams.toml``,
        kind ``particle``), standing alone: ``…狂欢的`` does, ``实验目的`` (目的) does not.

        >>> judge = SeamJudge(RepairRules.load())
        >>> judge.ties("街道上狂欢的"), judge.ties("实验目的")
        (True, False)
        """
        return bool(self.rules.ties(text)) and len(segment(to_simplified(text[-WINDOW:]))[-1]) == 1

    def cut_short(self, text: str) -> bool:
        """A heading-shaped block long enough, with a function word near its end, to be
        more likely a sentence cut short than a heading (``…投资者仍需配置相``, ``…的发行作``)."""
        words = self.rules.sentence_words
        return words is not None and len(text) >= self.rules.sentence_min_chars \
            and bool(words.search(text[-SENTENCE_TAIL:]))

    def _short_stops_mid_sentence(self, left: str, right: str) -> bool:
        """A block no longer than a heading stops mid-sentence where its end dangles
        (``…中国的``), or where it holds clause punctuation past its item number
        (``…物流分析师，担任过``, but not ``一、年鉴性质…``: a headline rarely does) and is
        neither a labelled line (``董事：…``) nor the headline of ``right``, whose words
        ``right`` restates."""
        if self.dangles(left):
            return True
        item = _ITEM_MARK.match(left)
        if not _CLAUSE_INSIDE.search(left, item.end() if item else 0) or self.rules.label(left) \
                or restated(left, right):
            return False
        return True

    def continues(self, text: str) -> str | None:
        """The rule by which ``text`` cannot open a sentence (``的``, ``了``, ``，`` …), unless
        that character opens a common word (``的确``, ``过去``, ``地板``)."""
        rule = self.rules.continues(text)
        if rule and word_count(to_simplified(text[:2])) >= OPENING_WORD:
            return None
        return rule

    def starts_sentence(self, text: str) -> bool:
        """Nothing says ``text`` continues something before it: it does not open with a
        character that cannot start a sentence, nor close a quote in its first words
        (``党建”特色服务``; a quote closed after a comma may be a multi-paragraph quotation)."""
        return not (self.continues(text) or early_closer(text))

    def stops_mid_sentence(self, text: str) -> bool:
        """``text`` ends inside a sentence: on a Han character, a digit, a comma or an opening
        bracket (a quoted term may close it: ``结合“两学一做”``), with no sentence end, lead-in
        or credit.  A URL or Latin text gives no sign."""
        return not self.closed(text) and bool(_OPEN_END.search(text[-2:]))

    def lost_end(self, text: str, following: str = "") -> bool:
        """The paragraph ``text`` lost its end, on evidence an editor accepts: it stops
        mid-sentence (:meth:`stops_mid_sentence`), is no labelled line (``董事：…``), and
        either stops where nothing ends (on a comma, an opening bracket or a word that
        dangles), unless the paragraph ``following`` it opens the next item of its list
        (``…；及`` / ``（二）…``); or ended sentences before the one it breaks off
        (``…。近两年…，结合“两学一做”``).  A headline, a subhead or a caption stops without
        punctuation by design, and has no sentence before its end.

        >>> judge = SeamJudge(RepairRules.load())
        >>> judge.lost_end("二是抓载体立规范。近两年组织全区党员干部开展培训，结合“两学一做”")
        True
        >>> judge.lost_end("去年GDP同比增长百分之八点五，继续高于全国增速")
        False
        >>> judge.lost_end("（一）螺丝头最多外露两个扭纹；及", "（二）螺丝不得松脱。")
        False
        """
        if not self.stops_mid_sentence(text) or self.rules.label(text):
            return False
        if _COMMA_END.search(text) or _OPENER_END.search(text) or self.dangles(text):
            return not (following and self.rules.new_start(following))
        ends = list(_SENTENCE_END_INSIDE.finditer(text))
        return bool(ends) and len(_HAN.findall(text[ends[-1].end():])) >= LAST_SENTENCE_HAN

    def strong(self, left: str, right: str) -> Seam | None:
        """Strong evidence that ``right`` continues the sentence ``left`` stops in, or, when
        ``left`` ends a sentence, that the break printed its last mark twice (``…之道。`` /
        ``。网民…``: no block opens with one, ``rules/seams.toml``).  Remembered for a pair of
        up to :data:`REMEMBERED_PAIR` characters: layout, furniture, joins and reattachment
        judge the same seams."""
        if len(left) + len(right) > REMEMBERED_PAIR:
            return self._strong(left, right)
        return self._strong_remembered(left, right)

    def _strong(self, left: str, right: str) -> Seam | None:
        if not left or not right:
            return None
        if self.closed(left):
            return self._repeated(left, right) if left[-1] == right[0] and self.continues(right) else None
        if left[-1] == right[0]:
            seam = self._repeated(left, right)
            if seam:
                return seam
        reason = self.continues(right)
        if reason:
            return Seam(PAGE_BREAK, 0, reason, "continuation")
        quote = _balanced_quote(left, right)
        if quote:
            return Seam(PAGE_BREAK, 0, quote, "quote")
        if item_number_cut(left, right):
            return Seam(PAGE_BREAK, 0, "enumeration: the next item's number cut by the break", "enumeration")
        if self.rules.new_start(right.lstrip(MARKUP)):
            return None
        if _LATIN_END.search(left[-22:]) and _LATIN_START.match(right):
            return Seam(PAGE_BREAK, 0, "a Latin word cut across the seam", "latin")
        if _ENGLISH_END.search(left[-60:]) and _LOWER_START.match(right):
            return Seam(PAGE_BREAK, 0, "an English sentence goes on in lower case", "latin")
        if _ADDRESS_END.search(left) and _ADDRESS_START.match(right):
            return Seam(PAGE_BREAK, 0, "an e-mail address cut after its at sign", "address")
        word = word_across(left.rstrip(MARKUP), right)
        if word:
            return Seam(PAGE_BREAK, 0, f"word {word}", "word", word)
        if enumeration_continues(left, right):
            return Seam(PAGE_BREAK, 0, "enumeration: the item goes on before the next marker", "enumeration")
        return None

    def _repeated(self, left: str, right: str) -> Seam | None:
        """A page break that printed the character at the seam on both pages.

        The copy goes unless the doubled form is a real word (``常常``) and reading the text
        without the copy makes no better word: ``处`` / ``处理`` is ``处理``, not ``处处理``.
        """
        c = right[0]
        if c in REPEATABLE_PUNCTUATION or (c in "—…" and left.endswith(c + c)):
            return Seam(PAGE_BREAK_REPEATED_CHAR, 1, f"repeated {c}", "repeated", support="continuation")
        if not _HAN.match(c):
            return None
        doubled = c + c
        if self.rules.is_reduplication(doubled):
            rival = max((word_count(w) for w in _words_without_copy(left, right)), default=0)
            if rival * REDUPLICATION_RIVAL < word_count(doubled):
                return None
        word = spanning_word(left, right[1:]) or _tail_word(left)
        quote = _balanced_quote(left, right[1:])
        evidence = f"repeated {c}" + (f", word {word}" if word else "") + (f", {quote}" if quote else "")
        return Seam(PAGE_BREAK_REPEATED_CHAR, 1, evidence, "repeated", word, "quote" if quote else "")

    def weak(self, left: str, right: str, cut: bool = False) -> Seam | None:
        """A block stopping mid-sentence, followed by one that may continue it.  (Whether
        either is a heading depends on the layout around them: the caller decides.)

        A block no longer than a heading gives that evidence only where no headline or
        labelled line would end as it does (:meth:`_short_stops_mid_sentence`), or where the
        layout says it was ``cut`` (a jump line after it sends the reader on).

        >>> judge = SeamJudge(RepairRules.load())
        >>> judge.weak("还有老师的实践背景很重要，我们有一位物流分析师，担任过", "很多跨国公司的物流部经理。").evidence
        'sentence left open'
        >>> judge.weak("世界计量日中国主场活动在安徽举行", "今天是第25个“世界计量日”，中国主场活动在安徽合肥举行。") is None
        True
        """
        if self.closed(left):
            return None
        if len(left) <= self.rules.heading_max_chars and not cut and not self._short_stops_mid_sentence(left, right):
            return None
        if self.rules.new_start(right.lstrip(MARKUP)) or self.rules.label(right):
            return None
        if not _WEAK_LEFT.match(left[-1]) or not _WEAK_RIGHT.match(right[0]):
            return None
        return Seam(PAGE_BREAK, 0, "sentence left open", "open")


def restated(left: str, right: str) -> bool:
    """The words of the short block ``left`` come back in the first sentences of ``right``:
    ``left`` is the headline ``right`` leads with (``世界计量日中国主场活动在安徽举行`` /
    ``今天是第25个“世界计量日”，中国主场活动在安徽合肥举行``), not a sentence it goes on with.

    >>> restated("中国大熊猫首次在中东与公众见面", "来自中国的大熊猫“京京”17日在多哈与公众见面。")
    True
    >>> restated("还有老师的实践背景很重要，我们有一位物流分析师，担任过", "很多跨国公司的物流部经理。")
    False
    """
    words = _bigrams(left)
    return len(words) >= RESTATED_MIN and len(words & _bigrams(right[:LEAD_CHARS])) >= RESTATED_SHARE * len(words)


def _bigrams(text: str) -> set[str]:
    """Pairs of neighbouring letters (Han, Latin, digits) of ``text``, Simplified."""
    text = _NOT_LETTER.sub("|", to_simplified(text))
    return {text[i:i + 2] for i in range(len(text) - 1) if "|" not in text[i:i + 2]}


def echoed_copy(left: str, right: str, text: str) -> Seam | None:
    """A Latin word or a number cut by the break with its cut character printed on both sides
    (``天劫O`` / ``Online》``, ``Gran`` / ``nt都``, ``《2032`` / ``2我们期望的未来》``): no
    dictionary says which reading is right, but the document itself may, or HTML may.  The
    copy goes when ``text`` spells the word elsewhere without the doubled letter and nowhere
    with it; when the word is an HTML entity's name cut inside it (``&ldqu`` / ``uo;``); or
    when ``text`` writes the number elsewhere without the doubled digit, between the same
    characters (a number is too short to trust alone).

    >>> echoed_copy("即取不到Gran", "nt都可以读", "最后取不到Grant啦。").evidence
    'repeated n: the document spells Grant elsewhere'
    >>> echoed_copy("比赛在Ten", "nis场举行", "Tennis与Tenis") is None  # both spelled: keep
    True
    >>> echoed_copy("之一的&ldqu", "uo;母亲河", "").evidence
    'repeated u: &ldquo; is an HTML entity'
    >>> echoed_copy("发布短片《2032", "2我们期望的未来》", "短片《2032我们期望的未来》").evidence
    'repeated 2: the document writes 《2032我们 elsewhere'
    >>> echoed_copy("他们4000", "0万人口", "增加4000元") is None  # not between the same characters
    True
    """
    if not left or not right or left[-1] != right[0]:
        return None
    c = right[0]
    if _LATIN_LETTER.match(c):
        head, tail = _LATIN_TAIL.search(left).group(), _LATIN_HEAD.match(right).group()
        once, twice = head + tail[1:], head + tail
        if left.endswith("&" + head) and right[len(tail):len(tail) + 1] == ";" and once + ";" in html5:
            return Seam(PAGE_BREAK_REPEATED_CHAR, 1, f"repeated {c}: &{once}; is an HTML entity", "repeated")
        if len(once) >= ECHO_WORD and _spelled(once, text) and not _spelled(twice, text):
            return Seam(PAGE_BREAK_REPEATED_CHAR, 1, f"repeated {c}: the document spells {once} elsewhere",
                        "repeated")
    elif _DIGIT.match(c):
        head, tail = _DIGITS_TAIL.search(left).group(), _DIGITS_HEAD.match(right).group()
        before, after = left[-len(head) - 1:-len(head)], right[len(tail):len(tail) + 2]
        written = before + head + tail[1:] + after
        if before and len(after) == 2 and written in text:
            return Seam(PAGE_BREAK_REPEATED_CHAR, 1, f"repeated {c}: the document writes {written} elsewhere",
                        "repeated")
    return None


def _spelled(word: str, text: str) -> bool:
    """``word`` appears in ``text`` as a whole Latin word."""
    return regex.search(rf"(?<![A-Za-z]){regex.escape(word)}(?![A-Za-z])", text) is not None


def _tail_word(left: str) -> str | None:
    """The word ``left`` ends with, two or three characters (``标准`` in ``先后高标准``)."""
    tail = to_simplified(left[-3:])
    words = [tail[-k:] for k in (2, 3) if len(tail) >= k and tail[-k] != tail[-1]]
    best = max(words, key=word_count, default=None)
    return best if best and word_count(best) >= 3 else None


def _words_without_copy(left: str, right: str) -> list[str]:
    """Words the seam makes once the repeated character is dropped: the left word ending in
    it (``逐渐``) and the right word starting with it (``处理``), Simplified for lookup."""
    tail, head = to_simplified(left[-3:]), to_simplified(right[:4])
    return [tail[-k:] for k in (2, 3)] + [head[:m] for m in (2, 3, 4)]


def _balanced_quote(left: str, right: str) -> str | None:
    """The evidence when ``left`` leaves a quote or bracket open that ``right`` closes: the
    innermost one, or one that opened and closes within :data:`NEAR` characters of the seam."""
    opener = _unclosed_opener(left)
    if opener and _unmatched_closer(right) == PAIRS[opener]:
        return f"quote {opener}…{PAIRS[opener]} balanced across the seam"
    closer = _unmatched_closer(right[:NEAR])
    if closer and CLOSERS[closer] in _open_stack(left[-NEAR:]):
        return f"bracket {CLOSERS[closer]}…{closer} balanced across the seam"
    return None


@functools.lru_cache(maxsize=1 << 10)
def _unclosed_opener(text: str) -> str | None:
    """The innermost bracket or quote still open at the end of ``text`` (remembered: a block
    that stops mid-sentence is compared with each of the paragraphs after it)."""
    stack = _open_stack(text)
    return stack[-1] if stack else None


def _open_stack(text: str) -> list[str]:
    """The brackets and quotes still open at the end of ``text``, outermost first."""
    stack: list[str] = []
    for c in _BRACKET.findall(text):
        if c in PAIRS:
            stack.append(c)
        elif c in CLOSERS and stack and _pair(stack[-1]) == _pair(CLOSERS[c]):
            stack.pop()
    return stack


def _pair(opener: str) -> str:
    """The kind of bracket ``opener`` opens: OCR and PDF text mix the ASCII and full-width
    parenthesis of one pair (``(1）三维CFD模型…``)."""
    return "（" if opener == "(" else opener


def early_closer(text: str, reach: int = 10) -> str | None:
    """A closing quote or bracket without its opener in the first ``reach`` characters of
    ``text``, before any clause ends (not an ASCII ``)``, which closes list numbers: ``1) 到…``)."""
    closer = _unmatched_closer(text[:reach])
    if closer and closer != ")" and not _SENTENCE_MARK.search(text[:text.index(closer)]):
        return closer
    return None


def _unmatched_closer(text: str) -> str | None:
    """A closing quote or bracket that appears in ``text`` before its opener."""
    depth: dict[str, int] = {}
    for c in _BRACKET.findall(text[:80]):
        if c in PAIRS:
            depth[_pair(c)] = depth.get(_pair(c), 0) + 1
        elif c in CLOSERS:
            opener = _pair(CLOSERS[c])
            if depth.get(opener, 0) == 0:
                return c
            depth[opener] -= 1
    return None


def _number(token: str) -> int:
    if token.isdigit():
        return int(token)
    if token == "十":
        return 10
    if token.startswith("十"):
        return 10 + CHINESE_NUMERALS.get(token[1:], 0)
    if token.endswith("十"):
        return CHINESE_NUMERALS.get(token[0], 0) * 10
    if "十" in token:
        tens, ones = token.split("十")
        return CHINESE_NUMERALS.get(tens, 0) * 10 + CHINESE_NUMERALS.get(ones, 0)
    return CHINESE_NUMERALS.get(token, 0)


def enumeration_continues(left: str, right: str) -> bool:
    """``left`` stops inside item N of a list and ``right`` finishes it before item N+1.

    A right block that *opens* with the next marker is a new item, not the rest
    of a sentence, so it is no evidence of a seam.

    >>> enumeration_continues("“1”是…；“5”是在机关中开展“亮形象”", "五亮论坛；“6”是农村党员")
    True
    >>> enumeration_continues("二是抓创优激活力。每半年组织两镇", "三是抓规范打基础。")
    False
    """
    before = _markers(left[-300:])
    after = _markers(right[:120])
    if not before or not after:
        return False
    shape, value, _ = before[-1]
    return any(s == shape and v == value + 1 and start > 0 for s, v, start in after[:2])


def item_number_cut(left: str, right: str) -> bool:
    """``left`` ends a sentence and the first digits of the next item's number, and ``right``
    opens with the rest of it: the two make the number that follows ``left``'s last marker.

    >>> item_number_cut("9. 共享同济资源，获得结业证书。1", "0. 团体班收费")
    True
    >>> item_number_cut("2. 获得学位证书。3", "5. 大学直接合作")
    False
    """
    end, start = _ITEM_HEAD.search(left), _ITEM_TAIL.match(right)
    before = _markers(left[-300:-len(end.group("n"))]) if end and start else []
    if not before:
        return False
    shape, value, _ = before[-1]
    return shape == "N" + start.group("mark") and int(end.group("n") + start.group("n")) == value + 1


@functools.lru_cache(maxsize=1 << 12)
def _markers(text: str) -> tuple[tuple[str, int, int], ...]:
    """Item markers as (shape, number, offset): ``“5”是`` is ``('“N”是', 5, offset)``
    (remembered: a block that stops mid-sentence is compared with the paragraphs after it)."""
    return tuple((m.group(0).replace(m.group("n"), "N", 1), _number(m.group("n")), m.start())
                 for m in ENUMERATION.finditer(text))
