"""The editors' report (``report.html``) and the terminal view of one document's edits."""
from .build import ReportBuilder, build_report, write_report
from .explain import explain

__all__ = ["ReportBuilder", "build_report", "explain", "write_report"]
