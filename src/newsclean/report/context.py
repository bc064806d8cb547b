"""Each edit of a document with the text around it as it stood, in work linear in the document.

Replaying edits on a string copies the whole text at every edit: a 4 MB document with
thousands of edits took most of a run to report.  Here the text is a balanced tree of
short pieces (a treap ordered by position), so undoing one edit copies only the pieces
it cuts and the text it puts back.  The edits are undone from the last, reading each
one's surroundings on the way: the text to its left, and the text to the right of what
it replaced, are the same before and after it.

>>> edits = [Edit("normalise", "fullwidth_alnum", 2, "１２", "12"),
...          Edit("repair", "page_break", 4, "\\n\\n", "")]  # 带动１２⏎⏎余户 became 带动12余户
>>> EditedText("带动12余户").contexts(edits, width=2, wanted=lambda e: e.stage == "repair")
[(Edit(stage='repair', rule='page_break', at=4, before='\\n\\n', after='', note=''), '12', '余户')]
"""
from __future__ import annotations

import random
from typing import Callable, Iterator

from ..document import Edit

#: Characters per piece the text is cut into.  Cutting a piece copies it, so a short piece
#: keeps each edit's copying small; a long one keeps the tree small.
PIECE = 128


class _Node:
    """A piece of the text, and the subtree of pieces around it."""

    __slots__ = ("piece", "priority", "size", "left", "right")

    def __init__(self, piece: str, priority: float):
        self.piece, self.priority, self.size = piece, priority, len(piece)
        self.left = self.right = None


class EditedText:
    """A text that edits are undone on, with ``copied`` counting the characters copied
    (the work, which the tests hold linear in the text and its edits)."""

    def __init__(self, text: str):
        self.copied = 0
        self._random = random.Random()  # shapes the tree, never the result; unseeded, so no
        #                                 input can be made to unbalance it
        self._root = self._tree(text)

    def contexts(self, edits: list[Edit], width: int,
                 wanted: Callable[[Edit], bool]) -> list[tuple[Edit, str, str]]:
        """Undo ``edits`` (made in this order) back to the first wanted one, and give each
        wanted one, in order, with the ``width`` characters left of it and right of what it
        replaced.  Raise ``ValueError`` when an edit does not match the text."""
        marks = [wanted(e) for e in edits]
        first = marks.index(True) if True in marks else len(edits)  # what came before is not shown
        shown = []
        for edit, mark in zip(reversed(edits[first:]), reversed(marks[first:])):
            left, right = self._undo(edit, width if mark else 0)
            if mark:
                shown.append((edit, left, right))
        return shown[::-1]

    def _undo(self, edit: Edit, width: int) -> tuple[str, str]:
        at, after = edit.at, edit.after
        if not (isinstance(at, int) and isinstance(edit.before, str) and isinstance(after, str)
                and 0 <= at <= _size(self._root) - len(after)):
            raise ValueError(f"edit {edit.rule!r} at {at!r} does not match the text")
        head, rest = self._split(self._root, at)
        middle, tail = self._split(rest, len(after))
        if self._text(middle) != after:
            raise ValueError(f"edit {edit.rule!r} at {at!r} does not match the text")
        context = self._edge(head, width, last=True), self._edge(tail, width)
        self._root = _merge(_merge(head, self._tree(edit.before)), tail)
        return context

    def _tree(self, text: str) -> _Node | None:
        """The pieces of ``text`` as a tree, built in one pass: each piece gets a random
        priority, and a node's priority is above its children's (a Cartesian tree)."""
        spine: list[_Node] = []  # the right edge of the tree so far, from the root down
        for piece in self._cut(text):
            node, below = _Node(piece, self._random.random()), None
            while spine and spine[-1].priority < node.priority:
                below = _resized(spine.pop())
            node.left = below
            if spine:
                spine[-1].right = node
            spine.append(node)
        while len(spine) > 1:
            _resized(spine.pop())
        return _resized(spine[0]) if spine else None

    def _cut(self, text: str) -> Iterator[str]:
        self.copied += len(text)
        return (text[i:i + PIECE] for i in range(0, len(text), PIECE))

    def _split(self, node: _Node | None, at: int) -> tuple[_Node | None, _Node | None]:
        """The tree cut into its first ``at`` characters and the rest."""
        if node is None:
            return None, None
        before = _size(node.left)
        if at <= before:
            head, node.left = self._split(node.left, at)
            node.size -= _size(head)
            return head, node
        at -= before
        if at < len(node.piece):  # inside this piece: its tail goes first in the rest
            self.copied += len(node.piece)
            tail, rest = _Node(node.piece[at:], self._random.random()), node.right
            node.piece, node.right, node.size = node.piece[:at], None, before + at
            return node, _merge(tail, rest)
        node.right, rest = self._split(node.right, at - len(node.piece))
        node.size -= _size(rest)
        return node, rest

    def _text(self, node: _Node | None) -> str:
        """All of a tree's text."""
        pieces = []
        _walk(node, pieces)
        self.copied += sum(map(len, pieces))
        return "".join(pieces)

    def _edge(self, node: _Node | None, count: int, last: bool = False) -> str:
        """A tree's first (or ``last``) ``count`` characters: down from the root, taking what
        lies before (after) the way."""
        pieces = []
        while node is not None and count > 0:
            near, far = (node.right, node.left) if last else (node.left, node.right)
            if _size(near) >= count:
                node = near
                continue
            count -= _size(near)
            _walk(near, pieces, reverse=last)
            pieces.append(node.piece[-count:] if last else node.piece[:count])
            count -= len(pieces[-1])
            node = far
        self.copied += sum(map(len, pieces))
        return "".join(reversed(pieces) if last else pieces)


def _size(node: _Node | None) -> int:
    return node.size if node is not None else 0


def _resized(node: _Node) -> _Node:
    node.size = len(node.piece) + _size(node.left) + _size(node.right)
    return node


def _merge(left: _Node | None, right: _Node | None) -> _Node | None:
    """One tree of ``left``'s pieces then ``right``'s."""
    if left is None or right is None:
        return left or right
    if left.priority > right.priority:
        left.size += right.size  # before the merge below, which may grow ``right``
        left.right = _merge(left.right, right)
        return left
    right.size += left.size
    right.left = _merge(left, right.left)
    return right


def _walk(node: _Node | None, pieces: list[str], reverse: bool = False) -> None:
    """Append the pieces of a tree, in order (or from the last)."""
    if node is not None:
        first, second = (node.right, node.left) if reverse else (node.left, node.right)
        _walk(first, pieces, reverse)
        pieces.append(node.piece)
        _walk(second, pieces, reverse)
