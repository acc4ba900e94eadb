"""Sign-up and profile forms. Rules live in accounts.enrolment; forms only parse input."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enrolment import SignupRequest
from accounts.models import Avatar, Language, User

MONTHS = [
    (1, _("januar")),
    (2, _("februar")),
    (3, _("marts")),
    (4, _("april")),
    (5, _("maj")),
    (6, _("juni")),
    (7, _("juli")),
    (8, _("august")),
    (9, _("september")),
    (10, _("oktober")),
    (11, _("november")),
    (12, _("december")),
]


class SignupForm(forms.Form):
    handle = forms.CharField(
        label=_("Brugernavn (kaldenavn)"),
        max_length=64,
        help_text=_("Andre ser kun dit kaldenavn. Brug ikke dit rigtige navn."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Adgangskode"),
        strip=False,
        help_text=_("Mindst 10 tegn."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    birth_year = forms.IntegerField(label=_("Fødselsår"), min_value=1, max_value=9999)
    birth_month = forms.TypedChoiceField(label=_("Fødselsmåned"), choices=MONTHS, coerce=int)
    avatar = forms.ChoiceField(
        label=_("Vælg en figur"), choices=Avatar.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=_("Sprog"), choices=Language.choices, initial=Language.DA)
    email = forms.EmailField(
        label=_("E-mail (frivillig)"),
        required=False,
        help_text=_("Kun til at nulstille din adgangskode. Den vises aldrig for andre."),
    )
    referral_code = forms.CharField(
        label=_("Henvisningskode"),
        required=False,
        max_length=32,
        help_text=_("Er du 12-14 år, skal du have en kode fra din klinik eller behandler."),
    )
    accepts_terms = forms.BooleanField(
        label=_("Jeg har læst vilkårene og hvad Sammen gemmer"), required=False
    )
    self_consent = forms.BooleanField(
        label=_("Jeg er 15 år eller ældre og giver selv samtykke"), required=False
    )
    custody_holder_name = forms.CharField(
        label=_("Forælders eller værges navn"), required=False, max_length=120
    )
    custody_holder_relation = forms.CharField(
        label=_("Hvem er de for dig? (fx mor, far, værge)"), required=False, max_length=40
    )
    custody_consent_confirmed = forms.BooleanField(
        label=_("Min forælder eller værge har givet samtykke"), required=False
    )
    acknowledges_duty_to_notify = forms.BooleanField(
        label=_("Jeg har læst teksten om underretningspligt (under 18 år)"), required=False
    )

    def clean_birth_year(self) -> int:
        year: int = self.cleaned_data["birth_year"]
        if year > timezone.localdate().year or year < 1900:
            raise forms.ValidationError(_("Tjek dit fødselsår."))
        return year

    def to_request(self) -> SignupRequest:
        data: dict[str, Any] = self.cleaned_data
        return SignupRequest(
            handle=data["handle"],
            password=data["password"],
            birth_year=data["birth_year"],
            birth_month=data["birth_month"],
            avatar=data["avatar"],
            language=data["language"],
            email=data["email"] or "",
            referral_code=data["referral_code"] or "",
            accepts_terms=data["accepts_terms"],
            self_consent=data["self_consent"],
            custody_holder_name=data["custody_holder_name"] or "",
            custody_holder_relation=data["custody_holder_relation"] or "",
            custody_consent_confirmed=data["custody_consent_confirmed"],
            acknowledges_duty_to_notify=data["acknowledges_duty_to_notify"],
        )


class ProfileForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ("avatar", "preferred_language", "email")
        labels: ClassVar = {
            "avatar": _("Figur"),
            "preferred_language": _("Sprog"),
            "email": _("E-mail (frivillig)"),
        }
        widgets: ClassVar = {"avatar": forms.RadioSelect}


class ReferralCodeForm(forms.Form):
    clinic = forms.TypedChoiceField(label=_("Klinik"), coerce=int)
    valid_days = forms.IntegerField(label=_("Gyldig i dage"), min_value=1, max_value=60, initial=14)

    def __init__(self, *args: Any, clinics: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].choices = clinics  # type: ignore[attr-defined]
