"""Thin views for auth, tokens and credentials (validate, call one service, serialize)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import Environment, User


def _user(request: Request) -> User:
    # Every view here except register/login/logout requires authentication (IsAuthenticated).
    return cast(User, request.user)


def _client_ip(request: Request) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


class UserOutput(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "email", "date_joined")


class CredentialsInput(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class RegisterApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(request=CredentialsInput, responses={201: UserOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = CredentialsInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            ip_address=_client_ip(request),
        )
        login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        get_token(request._request)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()

    @extend_schema(request=CredentialsInput, responses={200: UserOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = CredentialsInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_authenticate(
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            ip_address=_client_ip(request),
        )
        # The session itself belongs to the HTTP layer, as in RegisterApi (user.backend is set).
        login(request._request, user)
        get_token(request._request)
        return Response(UserOutput(user).data)


class LogoutApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses={200: UserOutput}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(UserOutput(_user(request)).data)


class TokenOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class TokenInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)


class TokenListCreateApi(APIView):
    @extend_schema(responses={200: TokenOutput(many=True)}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(TokenOutput(selectors.token_list(user=_user(request)), many=True).data)

    @extend_schema(
        request=TokenInput,
        responses={
            201: inline_serializer(
                "CreatedToken",
                {
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "token": serializers.CharField(),
                },
            )
        },
        tags=["auth"],
        description="The token is shown once: store it now. Send it as `Authorization: Token <token>`.",
    )
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, plaintext = services.token_create(user=_user(request), name=data.validated_data["name"])
        return Response(
            {"id": token.pk, "name": token.name, "token": plaintext}, status=status.HTTP_201_CREATED
        )


class TokenDeleteApi(APIView):
    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request: Request, token_id: int) -> Response:
        services.token_revoke(user=_user(request), token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CredentialOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    environment = serializers.ChoiceField(choices=Environment.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    key_id = serializers.CharField()
    fingerprint = serializers.CharField(
        help_text="SHA-256 of the public key; the private key is never returned."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CredentialInput(serializers.Serializer[Any]):
    environment = serializers.ChoiceField(choices=Environment.choices)
    label = serializers.CharField(max_length=100)  # type: ignore[assignment]
    key_id = serializers.CharField(max_length=100)
    private_key = serializers.CharField(
        max_length=20_000, write_only=True, trim_whitespace=True, help_text="RSA private key, PEM."
    )


class CredentialRenameInput(serializers.Serializer[Any]):
    label = serializers.CharField(max_length=100)  # type: ignore[assignment]


class CredentialListCreateApi(APIView):
    @extend_schema(responses={200: CredentialOutput(many=True)}, tags=["credentials"])
    def get(self, request: Request) -> Response:
        return Response(CredentialOutput(selectors.credential_list(user=_user(request)), many=True).data)

    @extend_schema(request=CredentialInput, responses={201: CredentialOutput}, tags=["credentials"])
    def post(self, request: Request) -> Response:
        data = CredentialInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = services.credential_create(user=_user(request), **data.validated_data)
        return Response(CredentialOutput(credential).data, status=status.HTTP_201_CREATED)


class CredentialDetailApi(APIView):
    @extend_schema(responses={200: CredentialOutput}, tags=["credentials"])
    def get(self, request: Request, credential_id: int) -> Response:
        credential = selectors.credential_get(user=_user(request), credential_id=credential_id)
        return Response(CredentialOutput(credential).data)

    @extend_schema(request=CredentialRenameInput, responses={200: CredentialOutput}, tags=["credentials"])
    def patch(self, request: Request, credential_id: int) -> Response:
        data = CredentialRenameInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = services.credential_rename(
            user=_user(request),
            credential_id=credential_id,
            label=data.validated_data["label"],
        )
        return Response(CredentialOutput(credential).data)

    @extend_schema(responses={204: None}, tags=["credentials"])
    def delete(self, request: Request, credential_id: int) -> Response:
        services.credential_delete(user=_user(request), credential_id=credential_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
