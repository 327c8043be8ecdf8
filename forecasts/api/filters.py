import django_filters

from forecasts.models import Forecast


class ForecastFilter(django_filters.FilterSet):
    question = django_filters.CharFilter(field_name="question__slug", help_text="A question slug.")

    class Meta:
        model = Forecast
        fields = ["question"]
