"""Pages of the strategy: the public pages (overview, measures, timeline, maps, network, exports,
reports) in ``public``; the staff forms that carry a workshop's proposal into a measure and
follow it up in ``staff``. Both are re-exported here for ``urls``.
"""

from .public import (
    export_csv,
    export_json,
    innovation_map,
    measure_detail,
    measures_map,
    network,
    overview,
    report,
    report_pdf,
    report_pdf_file,
    timeline,
)
from .staff import (
    derive,
    manage,
    measure_edit,
    project_add,
    project_edit,
    status_change,
    target_add,
)

__all__ = [
    "derive",
    "export_csv",
    "export_json",
    "innovation_map",
    "manage",
    "measure_detail",
    "measure_edit",
    "measures_map",
    "network",
    "overview",
    "project_add",
    "project_edit",
    "report",
    "report_pdf",
    "report_pdf_file",
    "status_change",
    "target_add",
    "timeline",
]
