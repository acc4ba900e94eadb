"""Clinic admins edit staffed hours and the on-call rota here; flags and audit are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from moderation.models import Appeal, Flag, FlagEvent, RotaShift, Sanction, StaffedHours


@admin.register(StaffedHours)
class StaffedHoursAdmin(admin.ModelAdmin):
    list_display = ("clinic", "weekday", "opens_at", "closes_at")
    list_filter = ("clinic",)


@admin.register(RotaShift)
class RotaShiftAdmin(admin.ModelAdmin):
    list_display = ("clinic", "duty", "clinician", "starts_at", "ends_at")
    list_filter = ("clinic", "duty")


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail changes only through services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("id", "tier", "status", "escalation_level", "opened_at", "due_at")
    list_filter = ("tier", "status")


@admin.register(FlagEvent)
class FlagEventAdmin(ReadOnlyAdmin):
    list_display = ("flag", "kind", "actor", "at")
    list_filter = ("kind",)


admin.site.register(Sanction, ReadOnlyAdmin)
admin.site.register(Appeal, ReadOnlyAdmin)
