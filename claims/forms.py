"""Forms of the staff's article review: reading an article (pasted or uploaded), checking
what was read before saving, editing and dismissing a claim. They only shape input; the
rules are `claims.services.review`'s, whose errors the views put on these fields."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from claims.models import Claim
from claims.services.review import (
    ARTICLE_TEXT_MAX_LENGTH,
    DISMISS_REASON_MAX_LENGTH,
    AuthorName,
    ClaimEdit,
    known_tables,
    normalize_text,
)
from common.db import max_length
from questions.models import Article

# A saved web page with its markup is larger than its text; 5 MB holds any article.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
PASTE_MAX_LENGTH = 2_000_000


class ArticleReadForm(forms.Form):
    """The first step: the article as pasted text (plain, Markdown or a page's HTML), or
    as a file. Exactly one of the two."""

    pasted = forms.CharField(
        label="Paste the article",
        required=False,
        # Below the server's limit on a form's text (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB),
        # so a long paste is refused here, on the field; a longer page goes as a file.
        max_length=PASTE_MAX_LENGTH,
        help_text="Its text, Markdown, or the HTML source of its page.",
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    upload = forms.FileField(
        label="Or upload a file",
        required=False,
        help_text=(
            "A .txt, .md or .html file, or a web page saved from the browser (“Save page "
            f"as… HTML only”); at most {UPLOAD_MAX_BYTES // (1024 * 1024)} MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_upload(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("upload")
        if upload is None:
            return None
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise ValidationError(
                f"Upload a .txt, .md or .html file; “{upload.name}” is not one.", code="suffix"
            )
        if (upload.size or 0) > UPLOAD_MAX_BYTES:
            raise ValidationError(
                f"The file is larger than {UPLOAD_MAX_BYTES // (1024 * 1024)} MB.", code="size"
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pasted = (data.get("pasted") or "").strip()
        upload = data.get("upload")
        if not self.errors:
            if pasted and upload:
                raise ValidationError("Paste the article or upload it, not both.")
            if not pasted and not upload:
                self.add_error("pasted", "Paste the article, or upload it as a file.")
        return data

    def content(self) -> tuple[str, str]:
        """The text given and its file name ("" when pasted), once the form is valid; a
        file that is not UTF-8 (or a page's declared encoding) is an error on `upload`."""
        upload: UploadedFile | None = self.cleaned_data.get("upload")
        if upload is None:
            return self.cleaned_data["pasted"], ""
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return raw.decode(encoding), upload.name or ""
            except UnicodeDecodeError:
                continue
        raise ValidationError({"upload": ["The file is not text (UTF-8)."]})


def authors_text(authors: list[AuthorName]) -> str:
    return "\n".join(
        f"{author.name} | {author.affiliation}" if author.affiliation else author.name
        for author in authors
    )


class ArticleConfirmForm(forms.Form):
    """The second step: what was read, to check and correct before saving."""

    title = forms.CharField(
        max_length=max_length(Article, "title"),
        widget=forms.TextInput(attrs={"size": 60}),
    )
    authors = forms.CharField(
        required=False,
        help_text=(
            "One per line; an affiliation after a bar: “Emily Carter | Georgetown University”."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outlet = forms.CharField(
        required=False,
        max_length=200,
        help_text="The publication or institution; new names become new outlets.",
    )
    publication_date = forms.DateField(
        label="Published on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Horizons (“within six months”) are counted from this date.",
    )
    precision = forms.ChoiceField(
        label="The date is known to the",
        choices=Article.DatePrecision.choices,
        initial=Article.DatePrecision.DAY,
    )
    url = forms.URLField(
        label="Address (URL)", required=False, max_length=500, assume_scheme="https"
    )
    text = forms.CharField(
        max_length=ARTICLE_TEXT_MAX_LENGTH,
        help_text=(
            "The article's main text as read. Claims are found in this text and their "
            "passages quote it, so remove menus, captions and footers left in it now."
        ),
        widget=forms.Textarea(attrs={"rows": 20}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_text(self) -> str:
        return normalize_text(self.cleaned_data.get("text") or "")

    def clean_authors(self) -> list[AuthorName]:
        entries = []
        for line in (self.cleaned_data.get("authors") or "").splitlines():
            name, _, affiliation = line.partition("|")
            if name.strip():
                entries.append(AuthorName(name.strip(), affiliation.strip()))
        return entries


def _probability(label: str) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        min_value=0,
        max_value=1,
        widget=forms.NumberInput(attrs={"min": "0", "max": "1", "step": "0.01"}),
    )


class ClaimEditForm(forms.Form):
    """Every editable field of a claim. The passage must stay the article's text at its
    offsets: change the offsets to move it, or clear them to have the passage looked
    for in the text."""

    passage = forms.CharField(
        help_text="Character for character as in the article's text.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    start = forms.IntegerField(required=False, min_value=0, label="Starts at character")
    end = forms.IntegerField(required=False, min_value=1, label="Ends before character")
    expression = forms.CharField(
        required=False,
        max_length=max_length(Claim, "expression"),
        help_text="The likelihood wording as written, e.g. “increasingly probable”.",
    )
    low = _probability("Implied probability, low")
    high = _probability("Implied probability, high")
    table = forms.ChoiceField(label="Read with the table", required=False)
    horizon_text = forms.CharField(
        label="Horizon as written",
        required=False,
        max_length=max_length(Claim, "horizon_text"),
    )
    horizon_start = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    horizon_end = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    speaker = forms.CharField(
        required=False,
        max_length=200,
        help_text="Who makes the claim: an author or someone quoted; blank if nobody is named.",
    )
    speaker_affiliation = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        table = self.fields["table"]
        assert isinstance(table, forms.ChoiceField)
        table.choices = [("", "(none)"), *((key, key) for key in known_tables())]

    def clean_passage(self) -> str:
        # The passage is compared character for character: only a browser's CRLF goes.
        return (self.cleaned_data.get("passage") or "").replace("\r\n", "\n")

    def edit(self) -> ClaimEdit:
        data = self.cleaned_data
        return ClaimEdit(
            passage=data["passage"],
            start=data["start"],
            end=data["end"],
            expression=data["expression"],
            low=data["low"],
            high=data["high"],
            table=data["table"],
            horizon_text=data["horizon_text"],
            horizon_start=data["horizon_start"],
            horizon_end=data["horizon_end"],
            speaker=data["speaker"],
            speaker_affiliation=data["speaker_affiliation"],
        )

    @staticmethod
    def initial_for(claim: Claim) -> dict[str, Any]:
        return {
            "passage": claim.passage,
            "start": claim.start,
            "end": claim.end,
            "expression": claim.expression,
            "low": claim.low,
            "high": claim.high,
            "table": claim.table,
            "horizon_text": claim.horizon_text,
            "horizon_start": claim.horizon_start,
            "horizon_end": claim.horizon_end,
            "speaker": claim.speaker.name if claim.speaker else "",
            "speaker_affiliation": claim.speaker.affiliation if claim.speaker else "",
        }


class ClaimDismissForm(forms.Form):
    reason = forms.CharField(
        label="Why dismiss it",
        max_length=DISMISS_REASON_MAX_LENGTH,
        help_text="E.g. “describes the past”, “no forecast in it”, “a duplicate”.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
