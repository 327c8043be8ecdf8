from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.profiles import BIO_MAX_LENGTH, time_zone_names
from accounts.services import USER_SETTINGS, person_username_clean, signup_email_clean


def _username_form_clean(username: str, *, instance: User | None = None) -> str:
    """The username rule's one message for the form's username field."""
    try:
        return person_username_clean(username, instance=instance)
    except ValidationError as error:
        raise forms.ValidationError(error.message_dict["username"]) from None


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=True, help_text="For password resets only; never shown to other forecasters."
    )

    class Meta:
        model = User
        fields = ("username", "email")

    def clean_username(self) -> str:
        # Replaces UserCreationForm's, which compares case only.
        return _username_form_clean(self.cleaned_data["username"])

    def clean_email(self) -> str:
        try:
            return signup_email_clean(self.cleaned_data["email"])
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["email"]) from None

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.origin = User.Origin.SIGNUP
        if commit:
            user.save()
        return user


class AdminAddUserForm(AdminUserCreationForm):
    """The admin's "Add user": a person, so the username rule applies as at sign-up."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)

    def clean_username(self) -> str:
        return _username_form_clean(self.cleaned_data["username"])


class AdminChangeUserForm(UserChangeForm):
    """The admin's user page. A new username follows the rule; an unchanged one is left
    alone, so that `admin` (made by `ensure_admin`) and accounts named before the rule
    stay editable."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if "username" not in self.changed_data:
            return username
        return _username_form_clean(username, instance=self.instance)


def _time_zone_choices() -> list[tuple[str, str]]:
    return [("", "Follow my browser"), *((name, name) for name in sorted(time_zone_names()))]


# What the settings form saves, column by column: the API's settings and the address.
SETTINGS_FIELDS = ["email", *USER_SETTINGS]


class AccountSettingsForm(forms.ModelForm):
    """The account's email address, which emails it gets, its public profile and the time
    zone its pages show times in. Changing the address asks
    for the password: the address is where password resets go, so whoever holds an
    unattended session must not be able to redirect them."""

    current_password = forms.CharField(
        label="Current password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only to change your email address.",
    )

    class Meta:
        model = User
        fields = ("email", "current_password", *USER_SETTINGS)
        labels = {
            "display_name": "Display name",
            "bio": "Bio",
            "profile_public": "Show my record on my profile",
            "calibration_public": "Show my calibration on my profile",
            "time_zone": "Time zone",
            "email": "Email address",
            "email_on_resolution": "When a question I forecast is resolved",
            "email_reminders": "When my forecast on an open question goes stale",
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4, "maxlength": BIO_MAX_LENGTH}),
        }
        help_texts = {
            "profile_public": "Your bio, the questions you forecast, your scores on resolved "
            "questions and your standings. Off, others see only your name.",
            "calibration_public": "Your calibration chart, on a profile that shows your record.",
            "time_zone": "Pages show times in this zone (hover a time for UTC). Following your "
            "browser, they use the zone your browser reports.",
            "email": "Where we send resolutions, reminders and password resets; never shown "
            "to other forecasters.",
            "email_on_resolution": "The outcome, the evidence, and your scores beside the "
            "community forecast's. Sent again if the resolution is corrected.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["time_zone"] = forms.ChoiceField(
            label="Time zone",
            required=False,
            choices=_time_zone_choices(),
            help_text=self.fields["time_zone"].help_text,
        )
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        days = settings.FORESEER_REMINDER_DAYS
        self.fields["email_reminders"].help_text = (
            f"One email listing your forecasts on open questions unchanged for {days} days "
            "or more; each forecast is mentioned once."
            if days > 0
            else "Reminders are turned off on this site for now."
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        email = cleaned.get("email")
        if email is not None and email != self.initial.get("email"):
            password = cleaned.get("current_password") or ""
            if not self.instance.check_password(password):
                self.add_error(
                    "current_password",
                    "Enter your current password to change your email address."
                    if not password
                    else "That is not your current password.",
                )
        return cleaned

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if commit:
            # Only these columns: a concurrent unsubscribe or login must not be overwritten
            # with what this form read earlier.
            user.save(update_fields=SETTINGS_FIELDS)
        return user
