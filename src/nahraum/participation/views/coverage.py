"""Coverage and representativeness dashboard: who was reached, who took part, who is missing.

The figures come from :mod:`nahraum.participation.coverage` (also read by the CLI), the map and
charts from :mod:`nahraum.participation.specs`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from nahraum.accounts.permissions import permission_required

from .. import specs
from ..coverage import coverage_data


@login_required
@permission_required("participation.view_coverage")
def dashboard(request: HttpRequest) -> HttpResponse:
    data = coverage_data()
    return render(
        request,
        "participation/coverage.html",
        {
            **data,
            "map_spec": specs.coverage_map_spec(data["by_district"]),
            "age_chart": specs.age_share_chart(data["by_age"]),
            "district_chart": specs.district_share_chart(data["by_district"]),
        },
    )
