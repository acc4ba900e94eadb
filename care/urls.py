from django.urls import path

from care import views

app_name = "care"

urlpatterns = [
    # the youth's side
    path("min-behandler/", views.my_care, name="my_care"),
    path(
        "min-behandler/invitation/<int:invitation_id>/",
        views.invitation_respond,
        name="invitation_respond",
    ),
    path("min-behandler/<int:link_id>/samtykke/", views.link_scopes, name="link_scopes"),
    path("min-behandler/<int:link_id>/afslut/", views.link_end, name="link_end"),
    path("min-behandler/<int:link_id>/beskeder/", views.youth_messages, name="youth_messages"),
    path("hvem-har-set-mine-data/", views.my_audit, name="my_audit"),
    path("mine-data/", views.my_data, name="my_data"),
    path("mine-data/sammen-mine-data.json", views.my_data_json, name="my_data_json"),
    path("mine-data/laesbar/", views.my_data_html, name="my_data_html"),
    path("mine-data/slet-konto/", views.account_delete, name="account_delete"),
    # the clinician's side
    path("", views.caseload, name="caseload"),
    path("invitationer/", views.invitations, name="invitations"),
    path("ung/<int:youth_id>/", views.youth_overview, name="youth"),
    path("ung/<int:youth_id>/flag/", views.youth_flags, name="youth_flags"),
    path("ung/<int:youth_id>/beskeder/", views.clinician_messages, name="clinician_messages"),
    path("ung/<int:youth_id>/opsummering/", views.youth_summary, name="youth_summary"),
    path("ung/<int:youth_id>/lektie/", views.homework_suggest, name="homework_suggest"),
    path("ung/<int:youth_id>/samtale/", views.session_set, name="session_set"),
    path("ung/<int:youth_id>/noedadgang/<slug:section>/", views.break_glass, name="break_glass"),
    path("ung/<int:youth_id>/<slug:section>/", views.youth_section, name="youth_section"),
    # the clinic admin's side
    path("klinik/udfald/", views.outcome_export, name="outcome_export"),
]
