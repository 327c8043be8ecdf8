from __future__ import annotations

from rest_framework import serializers
from rest_framework.authtoken import serializers as authtoken

from accounts.models import User
from common.api import TextTakesText


# DRF's, with a username and a password that must be strings.
class AuthTokenSerializer(TextTakesText, authtoken.AuthTokenSerializer):
    pass


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send as the header "Authorization: Token <token>".')


class SignupResponseSerializer(TokenSerializer):
    username = serializers.CharField()


class SignupSerializer(TextTakesText, serializers.ModelSerializer):
    # Only present here: the username rule (characters, reserved names, taken in any case
    # or look-alike form) is `user_signup`'s, so its messages are the web form's.
    username = serializers.CharField(
        help_text="Letters (any alphabet), digits and @ . + - _, not starting with = + - @; "
        "names that differ only in case or look-alike characters are the same name."
    )
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["username", "email", "password"]
        extra_kwargs = {"email": {"required": True, "allow_blank": False}}

    # The username rule, email uniqueness and the password validators live in
    # `user_signup` and the functions it shares with the web form; its errors name the field.
