"""Repairs newsclean is known to get wrong, kept as data that expects them to fail (as ftfy's
known-failures are): each case of ``cases/known_failures.jsonl`` gives the text before and the
text a careful editor wants after. docs/repair.md says why each is missed. A case that starts to
pass fails the suite (strict), so that it moves to ``cases/repair.jsonl``."""
import json
from pathlib import Path

import pytest

from newsclean import Document, Normalise, Repair

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "cases" / "known_failures.jsonl").open(encoding="utf-8")]
NORMALISE, REPAIR = Normalise.from_rules(), Repair.from_rules()


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="a known miss or trade-off: docs/repair.md")
@pytest.mark.parametrize("case", CASES, ids=[c["why"] for c in CASES])
def test_known_failure(case):
    doc = REPAIR.process(NORMALISE.process(Document(id="t", text=case["before"])))
    assert doc.text == case["after"]
