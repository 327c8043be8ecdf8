from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import is_analyst as _is_analyst

register = template.Library()


@register.filter
def is_analyst(user: Any) -> bool:
    return _is_analyst(user)
