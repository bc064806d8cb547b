"""Reading inputs and writing a run's outputs."""
from .read import InputError, read_inputs
from .write import OutputDir

__all__ = ["InputError", "OutputDir", "read_inputs"]
