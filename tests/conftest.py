"""Shared paths and helpers: tests run on the seed, the samples and text written here."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d5c66a5eef0a8122.txt"
SAMPLES = ROOT / "samples"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")
