"""Admin: jobs and worker beats can be read, never changed (the runner and reaper own them)."""

from __future__ import annotations

from django.contrib import admin

from .models import Job, WorkerBeat


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("kind", "state", "created_at", "created_by", "attempts", "worker")
    list_filter = ("state", "kind")
    search_fields = ("id", "kind")
    readonly_fields = [f.name for f in Job._meta.fields]


@admin.register(WorkerBeat)
class WorkerBeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "host", "pid", "started_at", "beat_at", "job")
    readonly_fields = [f.name for f in WorkerBeat._meta.fields]
