"""The staff page listing the likelihood tables (/manage/likelihood-tables/)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from common import likelihood

pytestmark = pytest.mark.django_db

URL = reverse("manage:likelihood_tables")


def test_staff_see_every_table_with_its_source_and_ranges(
    staff_web_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # the session and the user; the tables are data
        response = staff_web_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert URL == "/manage/likelihood-tables/"
    for table in likelihood.tables():
        assert f'<h2 id="table-{table.key}">{table.name}' in html
        assert f'href="{table.url}"' in html
    assert (
        '<th scope="row">unlikely</th>\n          <td data-label="Also read as">improbable</td>\n'
        '          <td data-label="Range">20–45%</td>' in html
    )
    assert '<th scope="row">probable</th>' in html and "63–87%" in html  # Kent's 75 ± 12
    assert '<td data-label="Range">100%</td>' in html  # Kent's "certain": one value
    assert "Harvard Business Review" in html
    assert f'href="{URL}" aria-current="page">Likelihood tables' in html


def test_the_staff_menu_links_to_it(staff_web_client):
    html = staff_web_client.get(reverse("manage:questions")).content.decode()
    assert f'href="{URL}">Likelihood tables' in html


def test_forecasters_get_403_and_visitors_log_in(client, user_client):
    assert user_client.get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
