"""Admin for outlets, people, articles (with their bylines), tags, questions and their
resolution history.

A question's resolution is never edited in its change form: the fields are
read-only there, and the Resolve page goes through `question_resolve`, which
records an audited event and queues scoring. Editing the fields directly would
leave scores that no event explains."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.signed_in import signed_in_user
from common.forms import add_service_errors
from questions.forms import QuestionResolveForm
from questions.models import (
    Article,
    ArticleAuthor,
    Clarification,
    Outlet,
    Person,
    Project,
    Question,
    ResolutionEvent,
    Tag,
)
from questions.selectors import latest_resolution_event_id, resolution_events_for
from questions.services import ResolutionChanged, question_resolve

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ReadOnlyAdminMixin:
    """For records that are written only by services (events, forecasts,
    scores): the admin shows them and offers no way to add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def evidence_display(links: list[str]) -> str:
    if not links:
        return "—"
    line = '<a href="{}" rel="noopener noreferrer">{}</a>'
    return format_html_join(mark_safe("<br>"), line, ((link, link) for link in links))


class _QuestionCount(TypedDict):
    question_count: int


# Addresses typed without a scheme are read as https (Django 6's default).
HTTPS_URLS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "slug", "url")
    search_fields = ("slug", "name")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Authors and the people articles quote, one record each across articles."""

    formfield_overrides = HTTPS_URLS
    list_display = ("name", "slug", "affiliation")
    search_fields = ("slug", "name", "affiliation")
    prepopulated_fields = {"slug": ("name",)}


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    fields = ("position", "person")
    autocomplete_fields = ("person",)
    extra = 0
    verbose_name = "author"
    verbose_name_plural = "byline (in order)"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "outlet", "publication_date", "question_count")
    list_filter = ("outlet", "publication_date_precision")
    search_fields = ("slug", "title", "outlet__name", "authors__name")
    date_hierarchy = "publication_date"
    # Articles have no default order; the list pages need one to page consistently.
    ordering = ("-publication_date", "title", "id")
    autocomplete_fields = ("outlet",)
    readonly_fields = ("text_sha256",)
    inlines = (ArticleAuthorInline,)
    formfield_overrides = HTTPS_URLS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    def get_readonly_fields(
        self, request: HttpRequest, obj: Article | None = None
    ) -> tuple[str, ...]:
        # Claims quote the text at offsets: once it has claims, the text is reloaded
        # from its question file (the claims sync then follows their passages), never
        # edited here.
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and Article.objects.filter(pk=obj.pk, claims__isnull=False).exists():
            fields = (*fields, "text")
        return fields

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, article: WithAnnotations[Article, _QuestionCount]) -> int:
        return article.question_count


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind")
    list_filter = ("kind",)
    search_fields = ("slug", "name")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("slug",)
    search_fields = ("slug",)


class StatusFilter(admin.SimpleListFilter):
    """Status is derived from the times and the resolution, so it filters
    through the queryset's SQL form of `Question.status_at`."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(Question.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Question]) -> QuerySet[Question]:
        if self.value() in Question.Status.values:
            # The Question admin's queryset is a QuestionQuerySet; the admin's stubs say
            # only QuerySet.
            return queryset.with_status(self.value())  # type: ignore[attr-defined]
        return queryset


class ResolutionEventInline(admin.TabularInline):
    model = ResolutionEvent
    verbose_name = "resolution event"
    verbose_name_plural = "resolution history (newest first; use Resolve to add one)"
    fields = ("created_at", "outcome", "known_at", "created_by", "note", "evidence")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="evidence")
    def evidence(self, event: ResolutionEvent) -> str:
        return evidence_display(event.evidence_links)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "title",
        "status_display",
        "scheduled_close_time",
        "resolution",
        "resolve_link",
    )
    list_filter = (StatusFilter, "type", "resolution", "tags", "projects", "article")
    search_fields = ("slug", "title", "background", "resolution_criteria")
    filter_horizontal = ("tags", "projects")
    autocomplete_fields = ("article", "successor_of")
    date_hierarchy = "scheduled_close_time"
    inlines = (ResolutionEventInline,)
    readonly_fields = (
        "resolution",
        "known_at",
        "resolution_set_at",
        "resolve_link",
        "close_processed_at",
        "community_at_close",
        "forecasters_at_close",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("slug", "title", "type", "tags", "projects")}),
        (
            "Text",
            {"fields": ("background", "resolution_criteria", "fine_print", "resolution_source")},
        ),
        ("Window", {"fields": ("open_time", "scheduled_close_time", "scheduled_resolve_time")}),
        (
            "Resolution (read-only here: use the Resolve page)",
            {"fields": ("resolution", "known_at", "resolution_set_at", "resolve_link")},
        ),
        (
            "At close",
            {
                "fields": (
                    "hide_community_until_forecast",
                    "close_processed_at",
                    "community_at_close",
                    "forecasters_at_close",
                )
            },
        ),
        (
            "Provenance",
            {
                "classes": ("collapse",),
                "fields": (
                    "article",
                    "source_passage",
                    "implied_probability_low",
                    "implied_probability_high",
                    "implied_probability_table",
                    "implied_probability_term",
                    "successor_of",
                ),
            },
        ),
        ("Record", {"fields": ("published_at", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.forecasts.exists():
            # Forecasts were made against this type and opening time: moving
            # them would silently change what those forecasts are scored on.
            fields += ("type", "open_time")
        return fields

    @admin.display(description="status")
    def status_display(self, question: Question) -> str:
        return question.status.label

    @admin.display(description="resolve")
    def resolve_link(self, question: Question) -> str:
        if question.pk is None:
            return "—"
        url = reverse("admin:questions_question_resolve", args=[question.pk])
        label = "Correct" if question.resolution else "Resolve"
        return format_html('<a href="{}">{}</a>', url, label)

    def get_urls(self) -> list[URLPattern]:
        # Before the defaults: their "<path:object_id>/" catch-all would take it.
        custom = [
            path(
                "<path:object_id>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="questions_question_resolve",
            )
        ]
        return custom + super().get_urls()

    def resolve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Resolve or correct through `question_resolve`. The form carries the latest
        event when it was shown: if another resolution lands before it is submitted,
        the page shows the new state with a 409 and asks again (see
        QuestionResolveForm)."""
        question = self.get_object(request, unquote(object_id))
        if question is None:
            # ModelAdmin's own answer to a missing object, as its change view gives it;
            # a private helper that django-stubs leaves out.
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id
            )
        if not self.has_change_permission(request, question):
            raise PermissionDenied
        if request.method != "POST":
            latest_event = latest_resolution_event_id(question=question)
            initial = QuestionResolveForm.initial_for(question=question, latest_event=latest_event)
            return self._resolve_page(request, question, QuestionResolveForm(initial=initial))
        form = QuestionResolveForm(request.POST)
        if not form.is_valid():
            if not form.seen_event_invalid:
                return self._resolve_page(request, question, form)
            # A value no page sends: say so, and record the history this page shows as
            # the one reviewed, so submitting again after checking it goes through.
            errors = form.errors["seen_event"]
            form = form.asked_again(latest_event=latest_resolution_event_id(question=question))
            form.add_error("seen_event", errors)
            return self._resolve_page(request, question, form, status=400)

        previous = question.resolution
        try:
            event = question_resolve(
                question=question,
                outcome=form.cleaned_data["outcome"],
                known_at=form.cleaned_data["known_at"],
                resolved_by=signed_in_user(request.user),
                note=form.cleaned_data["note"],
                evidence_links=form.cleaned_data["evidence_links"],
                expected_latest_event=form.expected_latest_event(),
            )
        except ResolutionChanged:
            # Resolved or corrected by someone else since this form was shown. The event
            # is read before the question, so a third that lands in between is caught on
            # the next submit rather than confirmed against a state this page never showed.
            latest_event = latest_resolution_event_id(question=question)
            question.refresh_from_db()
            form = form.asked_again(latest_event=latest_event)
            return self._resolve_page(request, question, form, status=409, changed=True)
        except ValidationError as error:
            add_service_errors(form, error)
            return self._resolve_page(request, question, form)
        summary = (
            f"Corrected (was {previous}): resolved as {event.outcome}"
            if previous
            else f"Resolved as {event.outcome}"
        )
        self.log_change(request, question, f"{summary}, known at {event.known_at}.")
        self.message_user(request, f"{summary}; scoring has been queued.", messages.SUCCESS)
        return redirect("admin:questions_question_change", question.pk)

    def _resolve_page(
        self,
        request: HttpRequest,
        question: Question,
        form: QuestionResolveForm,
        *,
        status: int = 200,
        changed: bool = False,
    ) -> HttpResponse:
        counts = question.forecasts.aggregate(
            forecasts=Count("id", filter=Q(created_at__lt=question.scheduled_close_time)),
            forecasters=Count(
                "user", distinct=True, filter=Q(created_at__lt=question.scheduled_close_time)
            ),
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{'Correct the resolution of' if question.resolution else 'Resolve'}: "
            f"{question.title}",
            "question": question,
            "original": question,
            "form": form,
            "media": self.media + form.media,
            "forecast_count": counts["forecasts"],
            "forecaster_count": counts["forecasters"],
            # Read after the form's `seen_event`, so the trail shown is never older than
            # the event the form records as reviewed.
            "events": resolution_events_for(question=question),
            "changed": changed,
        }
        return TemplateResponse(
            request, "admin/questions/question/resolve.html", context, status=status
        )


@admin.register(ResolutionEvent)
class ResolutionEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("question", "outcome", "known_at", "created_at", "created_by")
    list_filter = ("outcome",)
    search_fields = ("question__slug", "question__title", "note")
    list_select_related = ("question", "created_by")
    date_hierarchy = "created_at"
    fields = ("question", "outcome", "known_at", "created_at", "created_by", "note", "evidence")
    readonly_fields = fields

    @admin.display(description="evidence links")
    def evidence(self, event: ResolutionEvent) -> str:
        return evidence_display(event.evidence_links)


@admin.register(Clarification)
class ClarificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Clarifications are appended from the question's management page, never
    edited: the admin lists them for reference."""

    list_display = ("question", "created_at", "created_by")
    search_fields = ("question__slug", "question__title", "text")
    list_select_related = ("question", "created_by")
    fields = ("question", "text", "created_at", "created_by")
    readonly_fields = fields
