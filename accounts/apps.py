from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People, administrative units, bodies and their memberships, and sign-in."""

    name = "accounts"
    verbose_name = "Người dùng và cơ quan"
