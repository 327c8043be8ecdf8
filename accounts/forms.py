from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import signup_email_clean


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=True, help_text="For password resets only; never shown to other forecasters."
    )

    class Meta:
        model = User
        fields = ("username", "email")

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
