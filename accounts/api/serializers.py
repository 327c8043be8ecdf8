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
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["username", "email", "password"]
        extra_kwargs = {"email": {"required": True, "allow_blank": False}}

    # Email uniqueness and the password validators live in `user_signup`, the
    # one path the web form and the API share; its errors name the field.
