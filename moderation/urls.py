from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sager/<int:flag_id>/", views.flag_detail, name="flag"),
    path("sager/<int:flag_id>/historik/", views.flag_history, name="flag_history"),
    path("sager/<int:flag_id>/handling/", views.flag_action, name="flag_action"),
    path("api/sager/<int:flag_id>/", views.flag_card_json, name="flag_json"),
    path("api/koe/", views.queue_events, name="queue_events"),
    path("noegletal/", views.kpis_page, name="kpis"),
    path("klager/<int:appeal_id>/", views.appeal_decide, name="appeal_decide"),
    path("mine/", views.my_moderation, name="mine"),
    path("bemanding/", views.staffed_status, name="staffed"),
]
