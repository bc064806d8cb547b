"""The three fingerprint tables clustering reads are one interface, named once."""
import pytest

from newsclean.dedup.deduplicator import View
from newsclean.dedup.prints import FingerprintTable, PrintTable
from newsclean.dedup.shard_table import ShardTable

MEMBERS = sorted(name for name in vars(FingerprintTable) if not name.startswith("_"))


def test_the_protocol_names_what_clustering_reads():
    assert MEMBERS == ["doc_key", "doc_of", "documents", "id", "item_key", "items", "paragraph_of"]


@pytest.mark.parametrize("table", [PrintTable, ShardTable, View])
def test_each_fingerprint_table_has_every_member_of_the_protocol(table):
    assert [name for name in MEMBERS if not callable(getattr(table, name, None))
            and not isinstance(getattr(table, name, None), property)] == []
