"""Admin of the strategy. The status history can be read and added to, never changed or deleted."""

from __future__ import annotations

from django.contrib import admin

from . import models
from .services import change_status


class ReadOnlyHistoryInline(admin.TabularInline):
    model = models.StatusChange
    extra = 0
    fields = ("date", "status", "note", "changed_by", "recorded")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # use the status form, which records who and when

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MilestoneInline(admin.TabularInline):
    model = models.Milestone
    extra = 0


class StatusHistoryAdmin(admin.ModelAdmin):
    """Measures and projects: the status is read-only here (it changes through the status forms).

    The first status of an object made in the admin is recorded as a status change (who, when),
    so its public history starts with it, as for objects made through the forms.
    """

    readonly_fields = ("status",)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            change_status(obj, obj.status, user=request.user, check_permission=False)


@admin.register(models.Vision)
class VisionAdmin(admin.ModelAdmin):
    list_display = ("title", "region", "motto")


@admin.register(models.Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("title", "field", "weight", "is_illustrative")
    list_filter = ("field",)


@admin.register(models.Measure)
class MeasureAdmin(StatusHistoryAdmin):
    list_display = (
        "title",
        "goal",
        "municipality",
        "status",
        "phase",
        "quick_win",
        "is_illustrative",
    )
    list_filter = ("status", "phase", "municipality", "goal__field")
    inlines = [ReadOnlyHistoryInline]
    filter_horizontal = ("proposed_measures", "workshop_results", "ideas", "groups")


@admin.register(models.Project)
class ProjectAdmin(StatusHistoryAdmin):
    list_display = ("title", "measure", "municipality", "status", "quick_win", "budget_planned")
    list_filter = ("status", "municipality", "quick_win", "is_digital_offer")
    inlines = [MilestoneInline, ReadOnlyHistoryInline]


@admin.register(models.StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """History entries are shown only; adding goes through the status forms."""

    list_display = ("date", "status", "measure", "project", "changed_by", "recorded")
    list_filter = ("status",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.IndicatorTarget)
class IndicatorTargetAdmin(admin.ModelAdmin):
    list_display = ("label", "measure", "baseline_value", "target_value", "target_date")


@admin.register(models.Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "municipality", "is_illustrative")


@admin.register(models.Involvement)
class InvolvementAdmin(admin.ModelAdmin):
    list_display = ("actor", "role", "measure", "project", "workshop")


@admin.register(models.DigitalOffer)
class DigitalOfferAdmin(admin.ModelAdmin):
    list_display = ("title", "field", "municipality", "is_illustrative")
    list_filter = ("field",)
