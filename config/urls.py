from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("hjaelp/", account_views.help_now, name="help"),
    path("vilkaar/", account_views.document_page, {"key": "terms"}, name="terms"),
    path("privatliv/", account_views.document_page, {"key": "privacy"}, name="privacy"),
    path(
        "underretningspligt/",
        account_views.document_page,
        {"key": "duty_to_notify"},
        name="duty_to_notify",
    ),
    path("konto/", include("accounts.urls")),
    path("faellesskab/", include("community.urls")),
    path("moderation/", include("moderation.urls")),
    path("vaerktoej/", include("toolkit.urls")),
    path("rejser/", include("journeys.urls")),
    path("behandling/", include("care.urls")),
    path("admin/", admin.site.urls),
]
