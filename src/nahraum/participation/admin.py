"""Admin views of the participation data, for the project office's occasional corrections.

Day-to-day work happens on the participation pages, which apply the ownership rules; the admin
is for superusers only (Django's own permission system) and shows the audit fields read-only.
"""

from django.contrib import admin

from . import models as m


class ContactInline(admin.TabularInline):
    model = m.Contact
    extra = 0


@admin.register(m.SocietalGroup)
class SocietalGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "municipality", "district")
    list_filter = ("kind", "municipality")
    search_fields = ("name",)
    inlines = [ContactInline]


@admin.register(m.OutreachAction)
class OutreachActionAdmin(admin.ModelAdmin):
    list_display = ("group", "outcome", "channel", "date", "field")
    list_filter = ("outcome", "channel")


class ProposedMeasureInline(admin.StackedInline):
    model = m.ProposedMeasure
    extra = 0


@admin.register(m.Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ("title", "field", "municipality", "starts_at", "capacity")
    list_filter = ("field", "municipality")


@admin.register(m.WorkshopResult)
class WorkshopResultAdmin(admin.ModelAdmin):
    list_display = ("workshop", "participants_count", "recorded_at")
    inlines = [ProposedMeasureInline]


@admin.register(m.Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ("title", "field", "municipality", "status", "is_hidden", "created_at")
    list_filter = ("status", "is_hidden", "field", "municipality")
    search_fields = ("title", "text")


@admin.register(m.ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "moderator", "idea", "comment", "reason")
    readonly_fields = ("created_at", "action", "moderator", "idea", "comment", "reason")


@admin.register(m.AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "idea", "comment", "resolved_at")


class QuestionInline(admin.TabularInline):
    model = m.Question
    extra = 0


@admin.register(m.Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "municipality", "opens_at", "closes_at")
    inlines = [QuestionInline]
