"""Supply pages and their JSON endpoints, under /de/analysis/… and /en/analysis/…."""

from django.urls import path

from . import views

app_name = "analysis"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("district/<path:key>/", views.district, name="district"),
    path("type/<slug:key>/", views.facility_type, name="type"),
    path("api/indicators/", views.api_indicators, name="api-indicators"),
    path("api/isochrone/", views.api_isochrone, name="api-isochrone"),
    path("rerun/", views.rerun, name="rerun"),
]
