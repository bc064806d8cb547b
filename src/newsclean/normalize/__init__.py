"""Character-level normalisation: rules kept as data, and OpenCC script conversion."""
from .convert import ConfigError, ScriptConverter
from .normaliser import Normalise, Renormalise

__all__ = ["ConfigError", "Normalise", "Renormalise", "ScriptConverter"]
