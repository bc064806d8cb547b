"""Near-duplicate detection: paragraphs and documents, script-blind, verified."""
from .cluster import KEEP_RULES, Cluster, Member
from .deduplicator import DedupOptions, Deduplicator
from .fingerprint import Fingerprinter, shingle_hash
from .key import comparison_key

__all__ = ["KEEP_RULES", "Cluster", "DedupOptions", "Deduplicator", "Fingerprinter", "Member",
           "comparison_key", "shingle_hash"]
