"""The editors' report (``report.html``) and the terminal view of one document's edits."""
from .build import build_report, write_report
from .explain import explain

__all__ = ["build_report", "explain", "write_report"]
