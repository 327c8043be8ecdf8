from __future__ import annotations

from typing import Any

from django import forms

from discussion.models import MAX_BODY_CHARS


class DiscussionForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CommentForm(DiscussionForm):
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=False,
        required=False,
        help_text=f"Markdown: *emphasis*, lists, links. Mention someone with @username. "
        f"At most {MAX_BODY_CHARS:,} characters.",
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class CommentEditForm(DiscussionForm):
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 6}),
        strip=False,
        required=False,
    )
