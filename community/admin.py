"""Admin for spaces only: post text is read in the moderation queue, not in the Django admin."""

from django.contrib import admin

from community.models import Space


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin[Space]):
    list_display = ("name", "age_band", "kind", "clinic", "last_seq")
    list_filter = ("age_band", "kind", "clinic")
    readonly_fields = ("last_seq",)
    prepopulated_fields = {"slug": ("name",)}  # noqa: RUF012
