from django.urls import path

from toolkit import views

app_name = "toolkit"

urlpatterns = [
    path("", views.toolkit_home, name="home"),
    path("strategi/ny/", views.strategy_create, name="strategy_create"),
    path(
        "strategi/gem-fra-rejse/",
        views.strategy_save_from_journey,
        name="strategy_save_from_journey",
    ),
    path("strategi/<int:strategy_id>/rediger/", views.strategy_edit, name="strategy_edit"),
    path("strategi/<int:strategy_id>/slet/", views.strategy_delete, name="strategy_delete"),
    path(
        "strategi/<int:strategy_id>/favorit/", views.strategy_favourite, name="strategy_favourite"
    ),
    path(
        "strategi/<int:strategy_id>/brug-nu/", views.strategy_use_start, name="strategy_use_start"
    ),
    path("brug-nu/<int:use_id>/", views.strategy_use_step, name="strategy_use_step"),
    path("sikkerhedsplan/", views.safety_plan, name="safety_plan"),
    path("sikkerhedsplan/versioner/", views.safety_plan_versions, name="safety_plan_versions"),
    path(
        "sikkerhedsplan/versioner/<int:version>/",
        views.safety_plan_version,
        name="safety_plan_version",
    ),
    path(
        "sikkerhedsplan/ung/<int:youth_id>/",
        views.safety_plan_for_clinician,
        name="safety_plan_for_clinician",
    ),
    path(
        "sikkerhedsplan/<slug:section>/",
        views.safety_plan_section_edit,
        name="safety_plan_section_edit",
    ),
    path("check-in/", views.checkin, name="checkin"),
    path("trivsel/", views.who5, name="who5"),
    path("trivsel/resultat/<int:response_id>/", views.who5_result, name="who5_result"),
    path("udvikling/", views.trend, name="trend"),
]
