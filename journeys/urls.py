from django.urls import path

from journeys import views

app_name = "journeys"

urlpatterns = [
    path("", views.journey_list, name="list"),
    path("refleksioner/", views.reflection_list, name="reflections"),
    path("refleksioner/<int:reflection_id>/", views.reflection_detail, name="reflection"),
    path("<slug:slug>/", views.journey_detail, name="detail"),
    path("<slug:slug>/start/", views.journey_start, name="start"),
    path("<slug:slug>/faerdig/", views.journey_done, name="done"),
    path("<slug:slug>/trin/<slug:key>/", views.step_view, name="step"),
    path("<slug:slug>/trin/<slug:key>/videre/", views.step_next, name="step_next"),
]
