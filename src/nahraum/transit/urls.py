"""Public-transport pages and their GeoJSON, under /de/transit/… and /en/transit/…."""

from django.urls import path

from . import views

app_name = "transit"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("stops/", views.stops, name="stops"),
    path("district/<path:key>/", views.district, name="district"),
    path("api/cells.geojson", views.api_cells, name="api-cells"),
    path("api/stops.geojson", views.api_stops, name="api-stops"),
]
