"""The staff's menus at 1280 px: the site's menu and the staff pages' own each fit on
one line, with the account links beside the site's menu."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import log_in
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each menu's items, by their vertical position: one distinct top is one line.
ITEM_TOPS = """(selector) => [...new Set([...document.querySelectorAll(selector)]
    .map((li) => Math.round(li.getBoundingClientRect().top)))]"""
HEADER_HEIGHT = """() => document.querySelector(".header-inner").getBoundingClientRect().height"""


def test_the_staff_menus_fit_one_line_at_1280(live_server, page: Page):
    # The account links beside the menu take the username's width (a long one is cut).
    StaffFactory(username="editor-in-chief-of-the-whole-site")
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server, "editor-in-chief-of-the-whole-site")
    for path in ("/", "/manage/resolutions/"):
        page.goto(f"{live_server.url}{path}")
        tops = page.evaluate(ITEM_TOPS, ".site-nav li")
        assert len(tops) == 1, f"{path}: the site's menu wraps onto {len(tops)} lines"
        # The brand, the menu and the account links share the one line.
        brand = page.locator(".brand").bounding_box()
        account = page.locator(".account").bounding_box()
        nav = page.locator(".site-nav").bounding_box()
        assert abs(brand["y"] - account["y"]) < brand["height"], (path, brand, nav, account)
    staff_tops = page.evaluate(ITEM_TOPS, ".manage-nav li")
    assert len(staff_tops) == 1, f"the staff menu wraps onto {len(staff_tops)} lines"
    # The rationale feed, left out of the site's menu for staff, is in their own.
    page.locator(".manage-nav").get_by_role("link", name="Rationales").click()
    page.wait_for_url(f"{live_server.url}/discussion/")
