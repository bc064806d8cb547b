"""The editors' report (``report.html``) and the terminal view of one document's edits."""
from .build import ReportBuilder, build_report, write_report
from .explain import explain
from .printable import printable

__all__ = ["ReportBuilder", "build_report", "explain", "printable", "write_report"]
