"""Region pages and their map data, under /de/… and /en/… (see web/urls.py)."""

from django.urls import path

from . import api, views

app_name = "region"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("municipality/<str:ags>/", views.municipality, name="municipality"),
    path("district/<path:key>/", views.district, name="district"),
    path("facilities/", views.facility_types, name="facility-types"),
    path("facilities/<slug:key>/", views.facility_type, name="facility-type"),
    path("api/municipalities.geojson", api.municipalities_geojson, name="api-municipalities"),
    path("api/districts.geojson", api.districts_geojson, name="api-districts"),
    path("api/districts/<path:key>.geojson", api.district_geojson, name="api-district"),
    path("api/facilities.geojson", api.facilities_geojson, name="api-facilities"),
]
