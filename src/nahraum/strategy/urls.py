from django.urls import path

from . import views

app_name = "strategy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("fields/<slug:field_key>/", views.overview, name="field"),
    path("measures/<int:pk>/", views.measure_detail, name="measure"),
    path("timeline/", views.timeline, name="timeline"),
    path("map/", views.measures_map, name="map"),
    path("innovationslandkarte/", views.innovation_map, name="innovation_map"),
    path("network/", views.network, name="network"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path("report/", views.report, name="report"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("report/<slug:field_key>/", views.report, name="report_field"),
    path("report/<slug:field_key>.pdf", views.report_pdf, name="report_field_pdf"),
    path("report/pdf/<uuid:job>/", views.report_pdf_file, name="report_pdf_file"),
    # staff
    path("manage/", views.manage, name="manage"),
    path("manage/derive/<int:proposal_pk>/", views.derive, name="derive"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/targets/add/", views.target_add, name="target_add"),
    path("measures/<int:pk>/projects/add/", views.project_add, name="project_add"),
    path("projects/<int:project_pk>/edit/", views.project_edit, name="project_edit"),
    path("<str:kind>/<int:pk>/status/", views.status_change, name="status_change"),
]
