"""Structure repair: page breaks, furniture, repeated blocks, displaced continuations, fragments."""
from .repairer import ORPHAN_MODES, Repair
from .rules import RepairRules

__all__ = ["ORPHAN_MODES", "Repair", "RepairRules"]
