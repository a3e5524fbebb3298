from django.urls import path, re_path

from .views import coverage, groups, ideas, index, surveys, workshops

app_name = "participation"
urlpatterns = [
    path("", index, name="index"),
    # Ideas
    path("ideas/", ideas.idea_list, name="idea_list"),
    path("ideas/new/", ideas.idea_create, name="idea_create"),
    path("ideas/<int:pk>/", ideas.idea_detail, name="idea_detail"),
    path("ideas/<int:pk>/comment/", ideas.comment_create, name="comment_create"),
    path("ideas/<int:pk>/support/", ideas.support, name="support"),
    path("ideas/<int:pk>/support/withdraw/", ideas.withdraw_support, name="withdraw_support"),
    path("ideas/<int:pk>/report/", ideas.report, name="report_idea"),
    path("ideas/<int:pk>/comments/<int:comment_pk>/report/", ideas.report, name="report_comment"),
    re_path(r"^ideas/(?P<pk>\d+)/(?P<action>hide|restore)/$", ideas.moderate, name="moderate_idea"),
    re_path(
        r"^ideas/(?P<pk>\d+)/comments/(?P<comment_pk>\d+)/(?P<action>hide|restore)/$",
        ideas.moderate,
        name="moderate_comment",
    ),
    path("ideas/<int:pk>/answer/", ideas.answer, name="answer_idea"),
    path("moderation/", ideas.moderation_queue, name="moderation"),
    path(
        "moderation/reports/<int:report_pk>/dismiss/", ideas.dismiss_report, name="dismiss_report"
    ),
    # Workshops
    path("workshops/", workshops.workshop_list, name="workshop_list"),
    path("workshops/new/", workshops.workshop_create, name="workshop_create"),
    path("workshops/<int:pk>/", workshops.workshop_detail, name="workshop_detail"),
    path("workshops/<int:pk>/edit/", workshops.workshop_edit, name="workshop_edit"),
    path("workshops/<int:pk>/register/", workshops.register, name="workshop_register"),
    path("workshops/<int:pk>/cancel/", workshops.cancel, name="workshop_cancel"),
    path("workshops/<int:pk>/attendance/", workshops.attendance, name="workshop_attendance"),
    path("workshops/<int:pk>/invite/", workshops.invite, name="workshop_invite"),
    path(
        "workshops/<int:pk>/invitations/<int:invitation_pk>/",
        workshops.invitation_response,
        name="invitation_response",
    ),
    path("workshops/<int:pk>/result/", workshops.result_edit, name="workshop_result"),
    # Societal groups and outreach
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", groups.group_edit, name="group_edit"),
    path(
        "groups/<int:pk>/contacts/<int:contact_pk>/delete/",
        groups.contact_delete,
        name="contact_delete",
    ),
    # Surveys
    path("surveys/", surveys.survey_list, name="survey_list"),
    path("surveys/new/", surveys.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", surveys.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/questions/", surveys.survey_questions, name="survey_questions"),
    path("surveys/<int:pk>/results/", surveys.survey_results, name="survey_results"),
    path("surveys/<int:pk>/results.csv", surveys.survey_export, name="survey_export"),
    # Coverage and representativeness
    path("coverage/", coverage.dashboard, name="coverage"),
]
