from django.urls import include, path

from community import views

app_name = "community"

urlpatterns = [
    path("", views.space_list, name="spaces"),
    path("rum/<int:space_id>/", views.space_detail, name="space"),
    path("rum/<int:space_id>/snak-det-ud/", views.talk_nominate, name="talk_nominate"),
    path("opslag/<int:post_id>/", views.post_detail, name="post"),
    path("opslag/<int:post_id>/ret/", views.post_edit, name="post_edit"),
    path("opslag/<int:post_id>/slet/", views.post_delete, name="post_delete"),
    path("opslag/<int:post_id>/reaktion/", views.reaction_toggle, name="reaction"),
    path("opslag/<int:post_id>/anmeld/", views.report_create, name="report"),
    path("opslag/<int:post_id>/fjern/", views.post_remove, name="post_remove"),
    path("opslag/<int:post_id>/rammesaet/", views.talk_frame, name="talk_frame"),
    path("opslag/<int:post_id>/luk/", views.talk_close, name="talk_close"),
    path("mine-anmeldelser/", views.my_reports, name="my_reports"),
    path("temaer/", views.theme_filters, name="themes"),
    path("snak-det-ud/", views.talk_search, name="talk_search"),
    path("api/", include("community.api.urls")),
]
