"""Content is editable in the admin; youth data is read-only there (it is private)."""

from __future__ import annotations

from django.contrib import admin

from journeys.models import Journey, JourneySuggestion, Reflection, Step


class StepInline(admin.StackedInline):
    model = Step
    extra = 0
    fields = ("order", "key", "kind", "frame", "title", "body", "data", "is_retired")
    ordering = ("order",)


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ("slug", "version", "topic", "basis", "estimated_minutes", "is_published")
    list_filter = ("topic", "basis", "is_published")
    search_fields = ("slug",)
    inlines = (StepInline,)


@admin.register(JourneySuggestion)
class JourneySuggestionAdmin(admin.ModelAdmin):
    list_display = ("journey", "youth", "clinician", "created_at", "seen_at")
    raw_id_fields = ("youth", "clinician", "journey", "step")


@admin.register(Reflection)
class ReflectionAdmin(admin.ModelAdmin):
    """Metadata only: the private text is not shown, so admin access does not expose it."""

    list_display = ("id", "youth", "step", "screening_status", "crisis_support_shown", "updated_at")
    list_filter = ("screening_status", "crisis_support_shown")
    fields = ("youth", "step", "revision", "screening_status", "crisis_support_shown")
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False
