"""Forms for the clinician workspace. Danish msgids; the youth's consent form lists every scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import CareLink
from accounts.web import content_language

SCOPE_HELP = {
    CareLink.Scope.ACTIVITY: _("Hvornår du sidst var logget ind."),
    CareLink.Scope.JOURNEYS: _("Hvilke rejser og trin du har lavet."),
    CareLink.Scope.REFLECTIONS: _("Det, du skriver i refleksioner."),
    CareLink.Scope.TOOLKIT: _("Dine strategier, hvad der hjalp, og din sikkerhedsplan."),
    CareLink.Scope.CHECKINS: _("Dit humør i check-ins og WHO-5 (ikke dine noter)."),
    CareLink.Scope.POSTS: _("Dine indlæg og kommentarer i fællesskabet."),
}


class ScopesForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label=_("Hvad må din behandler se?"),
        choices=CareLink.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class InviteForm(forms.Form):
    handle = forms.CharField(label=_("Den unges brugernavn"), max_length=24)
    note = forms.CharField(
        label=_("Besked med invitationen (valgfri)"), max_length=300, required=False
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Besked"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class SessionForm(forms.Form):
    next_session_on = forms.DateField(
        label=_("Næste samtale"), widget=forms.DateInput(attrs={"type": "date"})
    )


class HomeworkForm(forms.Form):
    journey = forms.ChoiceField(label=_("Rejse"))
    step_key = forms.CharField(label=_("Trin (valgfrit, trinnets nøgle)"), required=False)
    note = forms.CharField(
        label=_("Note til den unge (valgfri)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, journeys: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["journey"].choices = journeys  # type: ignore[attr-defined]


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrundelse"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Den unge kan læse begrundelsen på siden “Hvem har set mine data”."),
    )


class PeriodForm(forms.Form):
    fra = forms.DateField(label=_("Fra"), widget=forms.DateInput(attrs={"type": "date"}))
    til = forms.DateField(label=_("Til"), widget=forms.DateInput(attrs={"type": "date"}))


# The word a youth types to confirm deleting their account, per interface language. A fixed
# word, not a translated msgid, so the form cannot silently fall back to Danish where the
# catalogue lacks it; it is always shown in the field's help text.
CONFIRM_WORDS: dict[str, str] = {"da": "SLET", "en": "DELETE"}


def confirm_word() -> str:
    """The confirmation word of the active language (Danish when the language is unknown)."""
    return CONFIRM_WORDS[content_language()]


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Din adgangskode"), widget=forms.PasswordInput)
    confirm = forms.CharField(label=_("Bekræft sletningen"), max_length=10)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.word = confirm_word()
        self.fields["confirm"].help_text = _("Skriv %(word)s for at bekræfte.") % {
            "word": self.word
        }
        self.fields["confirm"].widget.attrs["aria-describedby"] = "id_confirm_help"

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data["confirm"]
        if value.strip().upper() != self.word:
            raise forms.ValidationError(_("Skriv %(word)s for at bekræfte.") % {"word": self.word})
        return value
