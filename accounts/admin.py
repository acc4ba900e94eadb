from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import (
    Acknowledgement,
    Clinic,
    ClinicMembership,
    CustodyConsent,
    ReferralCode,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "preferred_language", "is_active", "date_joined")
    list_filter = ("role", "is_active", "preferred_language")
    search_fields = ("username",)
    ordering = ("username",)
    fieldsets = (
        (
            None,
            {"fields": ("username", "password", "role", "avatar", "preferred_language", "email")},
        ),
        ("Age", {"fields": ("birth_year", "birth_month")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
    )
    add_fieldsets = ((None, {"fields": ("username", "role", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = ClinicMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}  # noqa: RUF012 - Django's admin API
    inlines = (MembershipInline,)


@admin.register(ReferralCode)
class ReferralCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "clinic", "created_by", "expires_at", "used_at")
    raw_id_fields = ("created_by", "used_by")


admin.site.register(CustodyConsent)
admin.site.register(Acknowledgement)
