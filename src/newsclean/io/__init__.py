"""Reading inputs and writing a run's outputs."""
from .read import InputError, read_inputs
from .write import OutputDir, OutputError

__all__ = ["InputError", "OutputDir", "OutputError", "read_inputs"]
