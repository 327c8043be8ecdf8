"""The calibration explorer's report shaped for reading: whose it is in words, the Murphy
decomposition and the other statistics each with what it means, the CSV downloads and the
page's links. Presentation only: the report is the selector's (`calibration_for`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils.http import urlencode

from common.csv import csv_download
from scoring.scopes import ALL, Scope
from scoring.selectors import Calibration

CSV_TABLES = ("bins", "decomposition", "roc")

# (key, symbol, name, what it says); the Murphy decomposition in Brier units (0-2).
DECOMPOSITION = [
    ("brier", "BS", "Brier score",
     "Mean squared error of the forecasts in the two-category form: 0 best, 2 worst."),
    ("reliability", "REL", "Reliability",
     "How far each bin's observed frequency lies from its mean forecast, weighted by the "
     "bin's share of the forecasts. 0 is perfect calibration; lower is better."),
    ("resolution", "RES", "Resolution",
     "How far the bins' observed frequencies lie from the overall base rate: forecasts "
     "that sort the yes questions from the no ones earn more. Higher is better."),
    ("uncertainty", "UNC", "Uncertainty",
     "2 ō (1 − ō), the Brier score of always forecasting the base rate ō. Set by the "
     "questions, not by the forecaster."),
    ("within_bin_variance", "WBV", "Within-bin variance",
     "How much the forecasts inside each bin spread around the bin's mean forecast."),
    ("within_bin_covariance", "WBC", "Within-bin covariance",
     "How the forecasts inside a bin move with the outcomes: positive when the higher "
     "forecasts of a bin are the ones that resolved yes."),
]  # fmt: skip


@dataclass(frozen=True)
class CalibrationPage:
    """A calibration report as the explorer shows it and offers it for download."""

    calibration: Calibration
    subject: str
    """Whose calibration, in words: "forecaster zed on tag high"."""
    name: str
    """The same in a file name: "user-zed-tag-high"."""
    decomposition: list[dict[str, Any]]
    identity: dict[str, Any]
    statistics: list[dict[str, Any]]
    humility: str = ""
    """What a sample too small for a verdict can and cannot say; "" when it is large
    enough (or empty)."""
    empty: str = ""
    """The one sentence shown instead of the report when nothing counts yet."""

    def context(self, *, query: QueryDict) -> dict[str, Any]:
        """The template's context (beside the form), with download links that keep the
        page's `query`."""
        query = query.copy()
        query.pop("format", None)
        query.pop("table", None)
        query_string = query.urlencode()
        # The analysis list narrows by tag or article only.
        narrowed = next(
            (
                scope
                for scope in (self.calibration.scope, self.calibration.within)
                if scope is not None and scope.kind in ("tag", "article")
            ),
            None,
        )
        questions_query = f"?{urlencode({narrowed.kind: narrowed.key})}" if narrowed else ""
        return {
            "report": self.calibration.report,
            "subject": self.subject,
            "forecaster": self.calibration.forecaster,
            "decomposition": self.decomposition,
            "identity": self.identity,
            "statistics": self.statistics,
            "humility": self.humility,
            "empty": self.empty,
            "bins_csv": _csv_link(query_string, "bins"),
            "decomposition_csv": _csv_link(query_string, "decomposition"),
            "roc_csv": _csv_link(query_string, "roc"),
            "questions_url": f"{reverse('scoring:analysis_questions')}{questions_query}",
        }

    def csv(self, table: str) -> HttpResponse:
        """One of CSV_TABLES as a download."""
        report = self.calibration.report
        stem = (
            f"calibration-{self.name}-{report['weighting']}"
            f"{'' if report['closed_only'] else '-all'}"
        )
        if table == "bins":
            return self._bins_csv(f"{stem}-bins.csv")
        if table == "roc":
            return self._roc_csv(f"{stem}-roc.csv")
        return self._decomposition_csv(f"{stem}-decomposition.csv")

    def _bins_csv(self, filename: str) -> HttpResponse:
        return csv_download(
            ({"subject": self.subject, **row} for row in self.calibration.report["bins"]),
            header=["subject", "lower", "upper", "count", "weight", "questions",
                    "mean_forecast", "observed", "hits", "ci_low", "ci_high"],
            filename=filename,
        )  # fmt: skip

    def _roc_csv(self, filename: str) -> HttpResponse:
        report = self.calibration.report
        curve = report.get("roc_curve") or {"fpr": [], "tpr": [], "threshold": []}
        return csv_download(
            (
                {"subject": self.subject, "threshold": threshold, "fpr": fpr, "tpr": tpr}
                for threshold, fpr, tpr in zip(
                    curve["threshold"], curve["fpr"], curve["tpr"], strict=True
                )
            ),
            header=["subject", "threshold", "fpr", "tpr"],
            filename=filename,
        )

    def _decomposition_csv(self, filename: str) -> HttpResponse:
        rows = [
            *self.decomposition,
            {"term": "identity", "symbol": "REL-RES+UNC+WBV-WBC", "value": self.identity["sum"],
             "meaning": "Equals the Brier score (to rounding)."},
            *({"term": s["key"], "name": s["name"], "value": s["value"],
               "meaning": s["reading"]} for s in self.statistics),
        ]  # fmt: skip
        return csv_download(
            ({"subject": self.subject, **row} for row in rows),
            header=["subject", "term", "symbol", "value", "meaning"],
            filename=filename,
        )


def calibration_page(
    calibration: Calibration, *, titles: dict[str, dict[str, str]]
) -> CalibrationPage:
    """The page of a report; `titles` names articles and projects by slug."""
    subject, name = _subject(calibration, titles=titles)
    decomposition, identity = _decomposition(calibration.report)
    report = calibration.report
    return CalibrationPage(
        calibration=calibration,
        subject=subject,
        name=name,
        decomposition=decomposition,
        identity=identity,
        statistics=_statistics(report, verdicts=bool(report.get("sufficient", True))),
        humility=small_sample_note(report),
        empty=empty_note(report, forecaster=calibration.forecaster is not None),
    )


def small_sample_note(report: dict[str, Any]) -> str:
    """What a report below FORESEER_CALIBRATION_MIN_FORECASTS can and cannot say; "" when
    it has enough forecasts, or none."""
    if not report.get("count") or report.get("sufficient", True):
        return ""
    weight = float(report.get("weight") or 0.0)
    counted = f"{weight:.0f}" if abs(weight - round(weight)) < 0.05 else f"{weight:.1f}"
    return (
        f"Too few forecasts to judge calibration: {counted} counted (each forecaster's "
        f"forecasts on a question count as one), and a verdict needs "
        f"{report.get('min_forecasts')}. What can be read: the counts, and each bin's "
        "interval, which shows how far its observed frequency could be from the truth. "
        "What cannot: whether these forecasts are over- or underconfident; at this size "
        "the slope and the other statistics are mostly noise, so they carry no verdict."
    )


def empty_note(report: dict[str, Any], *, forecaster: bool) -> str:
    """The one sentence that stands for a report with nothing in it."""
    if report.get("count"):
        return ""
    closed = " and past their scheduled close" if report.get("closed_only") else ""
    whose = "these forecasts" if forecaster else "the forecasts here"
    return (
        f"Nothing to calibrate yet: calibration compares {whose} with what happened, on "
        f"binary questions resolved yes or no{closed}, and none has been yet; it appears "
        "as such questions resolve."
    )


def _csv_link(query_string: str, table: str) -> str:
    return f"?{query_string}{'&' if query_string else ''}format=csv&table={table}"


def _subject(calibration: Calibration, *, titles: dict[str, dict[str, str]]) -> tuple[str, str]:
    """Whose calibration, in words and in a file name."""
    forecaster, within = calibration.forecaster, calibration.within
    if forecaster is not None:
        subject = f"forecaster {forecaster.username}"
        if within is not None:
            subject += f" on {_scope_label(within, titles=titles)}"
        name = f"user-{forecaster.username}" + (f"-{within.kind}-{within.key}" if within else "")
        return subject, name
    scope = calibration.scope
    assert scope is not None  # a report is a forecaster's or a scope's
    return _scope_label(scope, titles=titles), str(scope).replace(":", "-")


def _scope_label(scope: Scope, *, titles: dict[str, dict[str, str]]) -> str:
    if scope.kind == ALL:
        return "every forecaster"
    if scope.kind == "article":
        return f"the article “{titles['article'].get(scope.key, scope.key)}”"
    if scope.kind == "project":
        return f"the project “{titles['project'].get(scope.key, scope.key)}”"
    return f"{scope.kind} {scope.key}"


def _decomposition(report: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows = [
        {"term": key, "symbol": symbol, "name": name, "value": report.get(key), "meaning": meaning}
        for key, symbol, name, meaning in DECOMPOSITION
    ]
    terms = [report.get(key) for key, *_ in DECOMPOSITION]
    identity: dict[str, Any] = {"sum": None, "difference": None}
    known = [float(value) for value in terms if value is not None]
    if len(known) == len(terms):
        brier, rel, res, unc, wbv, wbc = known
        identity["sum"] = rel - res + unc + wbv - wbc
        identity["difference"] = identity["sum"] - brier
    return rows, identity


# The reading of a statistic that would give a verdict, when the sample cannot carry one.
_NO_VERDICT = "Too few forecasts to read a direction into it."


def _statistics(report: dict[str, Any], *, verdicts: bool = True) -> list[dict[str, Any]]:
    """Each statistic with its reading; without `verdicts` (a sample below the minimum),
    the readings say what the statistic measures but not which way these forecasts err."""
    citl = report.get("calibration_in_the_large")
    slope = report.get("recalibration_slope")
    intercept = report.get("recalibration_intercept")
    auc = report.get("roc_auc")
    citl_reading = _citl_reading(citl) if verdicts else _NO_VERDICT
    intercept_reading = _intercept_reading(intercept) if verdicts else _NO_VERDICT
    slope_reading = (
        _slope_reading(slope)
        if verdicts
        else "b in logit P(yes) = a + b logit(forecast): below 1 would mean overconfident, "
        "above 1 underconfident. " + _NO_VERDICT
    )
    return [
        {"key": "ece", "name": "Expected calibration error (ECE)", "value": report.get("ece"),
         "reading": "Weighted mean distance between each bin's observed frequency and its "
                    "mean forecast, on the 0–1 probability scale; 0 is perfect."},
        {"key": "calibration_in_the_large", "name": "Calibration-in-the-large",
         "value": citl, "reading": "Mean forecast minus the rate of yes. " + citl_reading},
        {"key": "recalibration_slope", "name": "Recalibration slope", "value": slope,
         "reading": slope_reading},
        {"key": "recalibration_intercept", "name": "Recalibration intercept", "value": intercept,
         "reading": "a in logit P(yes) = a + b logit(forecast), fitted by maximum likelihood. "
                    + intercept_reading},
        {"key": "roc_auc", "name": "ROC AUC", "value": auc,
         "reading": "The chance that a random yes question got a higher forecast than a "
                    "random no question (ties count half): 0.5 is chance, 1 perfect."},
        {"key": "log_loss", "name": "Log loss", "value": report.get("log_loss"),
         "reading": "Mean of −ln(probability given to what happened), in nats; lower is "
                    "better."},
        {"key": "base_rate", "name": "Base rate", "value": report.get("base_rate"),
         "reading": "The weighted share of forecasts whose question resolved yes."},
        {"key": "mean_forecast", "name": "Mean forecast", "value": report.get("mean_forecast"),
         "reading": "The weighted mean probability of yes."},
    ]  # fmt: skip


def _citl_reading(citl: float | None) -> str:
    if citl is None:
        return ""
    if citl > 0:
        return "Positive: on average the forecasts were higher than the rate of yes."
    if citl < 0:
        return "Negative: on average the forecasts were lower than the rate of yes."
    return "The mean forecast equals the rate of yes."


def _intercept_reading(intercept: float | None) -> str:
    if intercept is None:
        return ""
    fitted = 1.0 / (1.0 + math.exp(-intercept))
    return f"At a forecast of 50 %, the fitted chance of yes is {fitted * 100:.1f} %."


def _slope_reading(slope: float | None) -> str:
    if slope is None:
        return (
            "No fit: the recalibration needs yes and no outcomes whose forecasts overlap, "
            "and no forecast of exactly 0 % or 100 %."
        )
    if abs(slope - 1.0) < 0.05:
        return "Slope close to 1: the forecasts are about as extreme as the outcomes warrant."
    if slope < 1.0:
        return (
            "Slope below 1: overconfident. The forecasts are more extreme than the outcomes "
            "warrant; moving them towards 50 % would have scored better."
        )
    return (
        "Slope above 1: underconfident. The forecasts are more timid than the outcomes "
        "warrant; moving them away from 50 % would have scored better."
    )
