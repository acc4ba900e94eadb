from django.urls import path

from care.views import admin, clinician, youth

app_name = "care"

urlpatterns = [
    # the youth's side
    path("min-behandler/", youth.my_care, name="my_care"),
    path(
        "min-behandler/invitation/<int:invitation_id>/",
        youth.invitation_respond,
        name="invitation_respond",
    ),
    path("min-behandler/<int:link_id>/samtykke/", youth.link_scopes, name="link_scopes"),
    path("min-behandler/<int:link_id>/afslut/", youth.link_end, name="link_end"),
    path("min-behandler/<int:link_id>/beskeder/", youth.youth_messages, name="youth_messages"),
    path("hvem-har-set-mine-data/", youth.my_audit, name="my_audit"),
    path("mine-data/", youth.my_data, name="my_data"),
    path("mine-data/sammen-mine-data.json", youth.my_data_json, name="my_data_json"),
    path("mine-data/laesbar/", youth.my_data_html, name="my_data_html"),
    path("mine-data/slet-konto/", youth.account_delete, name="account_delete"),
    # the clinician's side
    path("", clinician.caseload, name="caseload"),
    path("invitationer/", clinician.invitations, name="invitations"),
    path("ung/<int:youth_id>/", clinician.youth_overview, name="youth"),
    path("ung/<int:youth_id>/flag/", clinician.youth_flags, name="youth_flags"),
    path("ung/<int:youth_id>/beskeder/", clinician.clinician_messages, name="clinician_messages"),
    path("ung/<int:youth_id>/opsummering/", clinician.youth_summary, name="youth_summary"),
    path("ung/<int:youth_id>/hjemmeopgave/", clinician.homework_suggest, name="homework_suggest"),
    path("ung/<int:youth_id>/samtale/", clinician.session_set, name="session_set"),
    path(
        "ung/<int:youth_id>/noedadgang/<slug:section>/", clinician.break_glass, name="break_glass"
    ),
    path("ung/<int:youth_id>/<slug:section>/", clinician.youth_section, name="youth_section"),
    # the clinic admin's side
    path("klinik/udfald/", admin.outcome_export, name="outcome_export"),
]
