"""Safety plan: versions, printing, the crisis-button link, and sharing only by consent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareLink, Role, User
from toolkit import permissions, services
from toolkit.models import SafetyPlan, SafetyPlanSection, SafetyPlanVersion

pytestmark = pytest.mark.django_db

SECRET = "Min hemmelige advarsel"


def _client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _plan_with_text(youth: User) -> SafetyPlan:
    return services.safety_plan_section_save(
        youth=youth, section=SafetyPlanSection.WARNING_SIGNS, items=[SECRET]
    )


def test_each_save_is_a_new_version_and_old_ones_are_kept(youth):
    services.safety_plan_section_save(
        youth=youth, section=SafetyPlanSection.WARNING_SIGNS, items=["Jeg sover dårligt"]
    )
    plan = services.safety_plan_section_save(
        youth=youth, section=SafetyPlanSection.WARNING_SIGNS, items=["Jeg trækker mig", ""]
    )
    plan = services.safety_plan_section_save(
        youth=youth, section=SafetyPlanSection.HELPERS, items=["Mor"]
    )
    assert plan.version == 3
    assert plan.items(SafetyPlanSection.WARNING_SIGNS) == ["Jeg trækker mig"]
    versions = {v.version: v.sections for v in SafetyPlanVersion.objects.filter(plan=plan)}
    assert versions[1] == {"warning_signs": ["Jeg sover dårligt"]}
    assert versions[2] == {"warning_signs": ["Jeg trækker mig"]}
    assert versions[3] == {"warning_signs": ["Jeg trækker mig"], "helpers": ["Mor"]}
    old = _client_for(youth).get(reverse("toolkit:safety_plan_version", args=[1]))
    assert "Jeg sover dårligt" in old.content.decode()


def test_section_edit_through_the_form(youth):
    client = _client_for(youth)
    url = reverse("toolkit:safety_plan_section_edit", args=["self_coping"])
    response = client.post(url, {"items": "Gå en tur\n\n<b>Musik</b>\n"})
    assert response.status_code == 302
    page = client.get(reverse("toolkit:safety_plan")).content.decode()
    assert "Gå en tur" in page
    assert "&lt;b&gt;Musik&lt;/b&gt;" in page and "<b>Musik</b>" not in page


def test_section_limits_and_unknown_section(youth):
    with pytest.raises(ValidationError):
        services.safety_plan_section_save(
            youth=youth, section=SafetyPlanSection.HELPERS, items=["x" * 201]
        )
    with pytest.raises(ValidationError):
        services.safety_plan_section_save(youth=youth, section="weapons", items=["x"])
    url = reverse("toolkit:safety_plan_section_edit", args=["findes-ikke"])
    assert _client_for(youth).get(url).status_code == 404


def test_plan_shows_six_steps_crisis_lines_and_is_printable(youth, settings):
    page = _client_for(youth).get(reverse("toolkit:safety_plan")).content.decode()
    for section in SafetyPlanSection:
        assert f'id="{section.value}"' in page
    for line in settings.CRISIS_LINES:
        assert str(line["number"]) in page
    css = (settings.BASE_DIR / "static" / "css" / "sammen.css").read_text()
    assert "@media print" in css


def test_crisis_button_links_to_the_plan_for_youths_only(youth, clinician):
    url = reverse("toolkit:safety_plan")
    assert f'href="{url}"' in _client_for(youth).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in _client_for(clinician).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in _client_for(None).get(reverse("home")).content.decode()


# --- Sharing: the authorisation matrix ---------------------------------------------------------


@pytest.fixture
def actors(youth, clinician, make_user, clinic, other_clinic, link):
    """Everyone who might ask for the youth's plan. `link` gives `clinician` the toolkit scope."""
    no_scope = make_user("kliniker_uden", Role.CLINICIAN, clinic)
    CareLink.objects.create(
        youth=youth, clinician=no_scope, clinic=clinic, scopes=[CareLink.Scope.CHECKINS]
    )
    return {
        "youth": youth,
        "linked_with_scope": clinician,
        "linked_without_scope": no_scope,
        "other_clinic_clinician": make_user("kliniker_b", Role.CLINICIAN, other_clinic),
        "same_clinic_unlinked": make_user("kliniker_c", Role.CLINICIAN, clinic),
        "peer_worker": make_user("peer_test", Role.PEER_WORKER, clinic),
        "clinic_admin": make_user("admin_test", Role.CLINIC_ADMIN, clinic),
        "anonymous": None,
    }


@pytest.mark.parametrize(
    ("_case", "allowed"),
    [
        ("linked_with_scope", True),
        ("youth", False),  # the youth uses their own page, not the clinician view
        ("linked_without_scope", False),
        ("other_clinic_clinician", False),
        ("same_clinic_unlinked", False),
        ("peer_worker", False),
        ("clinic_admin", False),
        ("anonymous", False),
    ],
)
def test_clinician_view_matrix(actors, youth, _case, allowed):
    _plan_with_text(youth)
    url = reverse("toolkit:safety_plan_for_clinician", args=[youth.pk])
    response = _client_for(actors[_case]).get(url)
    if allowed:
        assert response.status_code == 200
        assert SECRET in response.content.decode()
    else:
        assert response.status_code in {404, 302}
        if response.status_code == 302:  # anonymous: sent to log in, nothing shown
            assert reverse("accounts:login") in response["Location"]
        assert SECRET not in response.content.decode()


def test_permission_follows_the_scope(youth, clinician, link):
    plan = _plan_with_text(youth)
    assert clinician.has_perm("toolkit.view_safetyplan", plan)
    link.scopes = [CareLink.Scope.CHECKINS]
    link.save()
    permissions.safety_plan_sync_permissions(youth=youth)
    assert not User.objects.get(pk=clinician.pk).has_perm("toolkit.view_safetyplan", plan)
    link.scopes = [CareLink.Scope.TOOLKIT]
    link.save()
    permissions.safety_plan_sync_permissions(youth=youth)
    assert User.objects.get(pk=clinician.pk).has_perm("toolkit.view_safetyplan", plan)


def test_permission_granted_when_the_plan_is_created_after_consent(youth, clinician, link):
    assert not SafetyPlan.objects.exists()
    plan = services.safety_plan_get_or_create(youth=youth)
    assert clinician.has_perm("toolkit.view_safetyplan", plan)


def test_scope_revoked_while_the_page_is_open_refuses_the_next_request(youth, clinician, link):
    _plan_with_text(youth)
    client = _client_for(clinician)
    url = reverse("toolkit:safety_plan_for_clinician", args=[youth.pk])
    assert client.get(url).status_code == 200
    # the youth turns the scope off in another tab (issue 7's consent UI calls the sync)
    link.scopes = []
    link.save()
    permissions.safety_plan_sync_permissions(youth=youth)
    response = client.get(url)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_link_ended_without_a_sync_still_refuses(youth, clinician, link):
    """Defence in depth: the link is checked on every request, not only the permission."""
    plan = _plan_with_text(youth)
    client = _client_for(clinician)
    url = reverse("toolkit:safety_plan_for_clinician", args=[youth.pk])
    assert client.get(url).status_code == 200
    link.ended_at = timezone.now()
    link.save()
    assert client.get(url).status_code == 404
    # and the stale grant was removed on the spot
    assert not User.objects.get(pk=clinician.pk).has_perm("toolkit.view_safetyplan", plan)


def test_unknown_youth_id_is_404_like_a_forbidden_one(clinician):
    url = reverse("toolkit:safety_plan_for_clinician", args=[999999])
    assert _client_for(clinician).get(url).status_code == 404


def test_clinician_cannot_edit_the_plan(youth, clinician, link):
    _plan_with_text(youth)
    url = reverse("toolkit:safety_plan_section_edit", args=["warning_signs"])
    response = _client_for(clinician).post(url, {"items": "overskrevet"})
    assert response.status_code == 404
    assert SafetyPlan.objects.get(owner=youth).items("warning_signs") == [SECRET]


def test_grants_are_direct_rows_deleted_with_the_youths_account(youth, clinician, link):
    from guardian.models import UserObjectPermission

    from toolkit.models import SafetyPlanUserObjectPermission

    _plan_with_text(youth)
    assert SafetyPlanUserObjectPermission.objects.filter(user=clinician).count() == 1
    assert not UserObjectPermission.objects.exists()  # no generic (orphan-prone) rows
    youth.delete()
    assert not SafetyPlanUserObjectPermission.objects.exists()


def test_each_staff_view_leaves_exactly_one_audit_row(
    youth, clinician, link, make_user, other_clinic, access_audit_rows
):
    plan = _plan_with_text(youth)
    url = reverse("toolkit:safety_plan_for_clinician", args=[youth.pk])
    _client_for(clinician).get(url)
    assert access_audit_rows == [(clinician.pk, youth.pk, "safety_plan", plan.pk, True)]
    stranger = make_user("kliniker_z", Role.CLINICIAN, other_clinic)
    _client_for(stranger).get(url)
    assert access_audit_rows[1] == (stranger.pk, youth.pk, "safety_plan", None, False)
    assert len(access_audit_rows) == 2


def test_without_a_recorder_the_clinician_view_shows_nothing(youth, clinician, link, monkeypatch):
    _plan_with_text(youth)
    monkeypatch.setattr("toolkit.access_audit._recorder", None)
    client = Client(raise_request_exception=False)
    client.force_login(clinician)
    response = client.get(reverse("toolkit:safety_plan_for_clinician", args=[youth.pk]))
    assert response.status_code == 500
    assert SECRET not in response.content.decode()
