"""Scenario pages under /de/scenarios/… and /en/scenarios/…"""

from django.urls import path

from . import views

app_name = "scenarios"
urlpatterns = [
    path("", views.index, name="index"),
    path("locate/", views.locate, name="locate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/run/", views.run, name="run"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/compare/", views.compare, name="compare"),
    path("<int:pk>/effect.json", views.effect_json, name="effect"),
    path("<int:pk>/remove/<slug:kind>/<int:change_id>/", views.delete_change, name="delete-change"),
]
