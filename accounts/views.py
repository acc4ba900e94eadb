"""Account pages: sign-up, profile, the texts users accept, help, referral codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors
from accounts.documents import document_html
from accounts.enrolment import EnrolmentError, OutsideAgeRange, referral_code_create, youth_enrol
from accounts.forms import ProfileForm, ReferralCodeForm, SignupForm
from accounts.models import Language, Role, User


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def help_now(request: HttpRequest) -> HttpResponse:
    """The crisis lines on a page of their own: reachable without JavaScript and when logged out."""
    return render(request, "accounts/help.html")


def document_page(request: HttpRequest, key: str) -> HttpResponse:
    language = translation.get_language() or "da"
    titles = {
        "terms": _("Vilkår"),
        "privacy": _("Hvad vi gemmer, og hvem der ser det"),
        "duty_to_notify": _("Underretningspligt"),
    }
    return render(
        request,
        "accounts/document.html",
        {"title": titles[key], "body": document_html(key, language[:2])},
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = youth_enrol(form.to_request())
        except OutsideAgeRange as exc:
            return render(request, "accounts/outside_age.html", {"reason": exc.code}, status=200)
        except EnrolmentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Velkommen til Sammen, %(handle)s.") % {"handle": user.username}
            )
            response = redirect("home")
            response.set_cookie("django_language", user.preferred_language, samesite="Lax")
            return response
    return render(
        request,
        "accounts/signup.html",
        {
            "form": form,
            "duty_to_notify": document_html("duty_to_notify", translation.get_language() or "da"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Din profil er gemt."))
        response = redirect("accounts:profile")
        response.set_cookie("django_language", user.preferred_language, samesite="Lax")
        return response
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "acknowledgements": user.acknowledgements.order_by("acknowledged_at"),
            "clinics": selectors.clinics_for_staff(user=user),
        },
    )


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch language; for a logged-in user the choice is also saved on the profile."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        language = Language.DA
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(preferred_language=language)
    response = HttpResponseRedirect(next_url)
    response.set_cookie("django_language", language, samesite="Lax")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def referral_codes(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.role not in {Role.CLINICIAN, Role.CLINIC_ADMIN}:
        raise PermissionDenied
    clinics = [(c.id, c.name) for c in selectors.clinics_for_staff(user=user)]
    form = ReferralCodeForm(request.POST or None, clinics=clinics)
    if request.method == "POST" and form.is_valid():
        code = referral_code_create(
            clinician=user,
            clinic_id=form.cleaned_data["clinic"],
            valid_days=form.cleaned_data["valid_days"],
        )
        messages.success(request, _("Ny henvisningskode: %(code)s") % {"code": code.code})
        return redirect(reverse("accounts:referral_codes"))
    return render(
        request,
        "accounts/referral_codes.html",
        {"form": form, "codes": selectors.referral_codes_for_clinician(user=user)},
    )
