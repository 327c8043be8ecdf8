from __future__ import annotations

from django import forms

from discussion.models import MAX_BODY_CHARS, MAX_REASON_CHARS


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=False,
        required=False,
        help_text=f"Markdown: *emphasis*, lists, links. Mention someone with @username. "
        f"At most {MAX_BODY_CHARS:,} characters.",
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 6}),
        strip=False,
        required=False,
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Reason for hiding",
        max_length=MAX_REASON_CHARS,
        required=False,
        help_text="Shown in the comment's place and kept in the audit trail.",
    )
