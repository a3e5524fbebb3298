"""The pages satisfy the Content-Security-Policy, in chromium, with DEBUG off.

The policy (settings.CONTENT_SECURITY_POLICY: script-src and style-src 'self', no
'unsafe-inline') is really sent by the live server; every main page is opened and must log no
console error and fire no ``securitypolicyviolation`` event, and its maps and charts must have
drawn (a blocked script or style would leave them empty or unsized).
"""

from __future__ import annotations

import pytest

from tests.conftest import browser_login
from tests.fixtures import fast_passwords  # noqa: F401  (autouse: a fast password hasher)
from tests.participation.conftest import world  # noqa: F401  (people, ideas, a survey)
from tests.strategy.conftest import goal, proposal, runs, users  # noqa: F401

pytestmark = [pytest.mark.browser]

#: Collects violations from the first script on: inline code would be blocked, not run.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""

#: True once every map and chart of the page has drawn (or failed: data-error is reported).
ALL_DRAWN = """() => {
  const maps = [...document.querySelectorAll("[data-nahraum-map]")];
  const charts = [...document.querySelectorAll("canvas[data-nahraum-chart]")];
  return maps.every(m => m.dataset.ready === "true" || m.dataset.error) &&
         charts.every(c => c.dataset.ready === "true");
}"""

#: What chromium logs for a document answered with 404 (the error page test visits one).
NOT_FOUND_LINE = "Failed to load resource: the server responded with a status of 404 (Not Found)"

STATE = """() => ({
  maps: [...document.querySelectorAll("[data-nahraum-map]")].map(m => ({
    id: m.id, error: m.dataset.error || null,
    panes: m.querySelectorAll(".leaflet-map-pane .leaflet-overlay-pane").length,
    shapes: m.querySelectorAll("path, circle").length})),
  charts: [...document.querySelectorAll("canvas[data-nahraum-chart]")].map(c => ({
    id: c.id, w: c.width, h: c.height, drawn: !!(window.Chart && Chart.getChart(c))})),
  sized: [...document.querySelectorAll(".chart[data-height]")].map(d => ({
    want: parseInt(d.dataset.height, 10), got: d.getBoundingClientRect().height})),
  violations: window.__csp || [],
})"""


@pytest.fixture
def live_site(transactional_db, tiny_region, world, users, goal, proposal, runs, live_server):  # noqa: F811
    """The tiny region with supply results, a timetable, participation and strategy data."""
    from tests.region.supply_data import build_supply_results

    build_supply_results(tiny_region)
    return live_server.url


def _pages(world, runs) -> dict[str, tuple[int, int]]:  # noqa: F811
    """Path → (at least this many maps, at least this many charts) that must draw."""
    return {
        "/de/": (2, 3),
        "/de/municipality/05766999/": (1, 1),
        "/de/district/A1/": (1, 0),
        "/de/analysis/": (1, 0),
        "/de/analysis/type/gp/": (1, 0),
        "/de/analysis/district/A1/": (1, 0),
        "/de/transit/": (1, 1),
        "/de/transit/district/A1/": (1, 0),
        "/de/scenarios/": (0, 0),
        "/de/strategy/": (0, 1),
        "/de/strategy/timeline/": (0, 0),
        "/de/strategy/map/": (1, 0),
        "/de/strategy/report/": (0, 0),
        "/de/participation/": (0, 0),
        "/de/participation/ideas/": (0, 0),
        f"/de/participation/ideas/{world.idea_a.pk}/": (0, 0),
        f"/de/participation/surveys/{world.survey_a.survey.pk}/": (0, 0),
        "/de/accounts/login/": (0, 0),
        "/de/accounts/register/": (0, 0),
        "/de/gibt-es-nicht/": (0, 0),
    }


def _visit(page, url: str) -> dict:
    failed: list[str] = []
    listener = lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None  # noqa: E731
    page.on("response", listener)
    response = page.goto(url)
    assert response is not None and response.status in (200, 404), (url, response.status)
    assert page.url == url, (url, page.url)  # not redirected (e.g. to the login)
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, (url, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    page.wait_for_function(ALL_DRAWN, timeout=15_000)
    page.wait_for_timeout(150)  # let late console messages (e.g. a blocked tooltip) arrive
    page.remove_listener("response", listener)
    if response.status == 404:  # the error page itself: its one console line is expected
        assert failed == [f"404 {url}"], failed
        assert page.console_errors[:1] == [NOT_FOUND_LINE], page.console_errors
        del page.console_errors[0]
    else:
        assert failed == [], (url, failed)
    return page.evaluate(STATE)


def _check(url: str, state: dict, errors: list[str], want: tuple[int, int]) -> None:
    assert state["violations"] == [], (url, state["violations"])
    assert errors == [], (url, errors)
    maps, charts = state["maps"], state["charts"]
    assert len(maps) >= want[0] and len(charts) >= want[1], (url, state)
    for m in maps:
        assert m["error"] is None and m["panes"] == 1 and m["shapes"] > 0, (url, m)
    for c in charts:
        assert c["drawn"] and c["w"] > 0 and c["h"] > 0, (url, c)
    for s in state["sized"]:  # heights given as data-height reached the element (site.js)
        assert abs(s["got"] - s["want"]) < 1, (url, s)


def test_main_pages_satisfy_the_policy(page, live_site, world, runs, settings):  # noqa: F811
    assert settings.DEBUG is False
    page.context.add_init_script(LISTEN)
    for path, want in _pages(world, runs).items():
        page.console_errors.clear()
        state = _visit(page, live_site + path)
        _check(path, state, list(page.console_errors), want)

    # What the data attributes and classes replaced still shows: honeypots hidden, field colours
    page.goto(live_site + "/de/accounts/register/")
    assert page.locator(".hp-field").count() == 1 and not page.locator(".hp-field").is_visible()
    page.goto(live_site + "/de/strategy/")
    tree = page.locator(".tree-field").first
    colour = tree.get_attribute("data-field-colour")
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    assert tree.evaluate("e => getComputedStyle(e).borderLeftColor") == f"rgb({r}, {g}, {b})"
    page.goto(live_site + "/de/")
    page.wait_for_selector("#overview-map[data-ready=true]")
    assert page.locator("#overview-map .nahraum-legend svg.swatch rect[fill]").count() > 0
    assert page.locator("#overview-map .leaflet-control-layers svg.swatch").count() > 0
    # Markup written later by scripts (popups, the layer control redrawn) stays within it too
    page.console_errors.clear()
    page.locator("#overview-map path.nahraum-area").first.click(force=True)
    page.wait_for_selector("#overview-map .leaflet-popup-content")
    page.locator("#overview-map .leaflet-control-layers input[type=checkbox]").first.click()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__csp") == [] and page.console_errors == []


def test_signed_in_pages_satisfy_the_policy(page, live_site, world, runs, users):  # noqa: F811
    page.context.add_init_script(LISTEN)
    browser_login(page.context, live_site, world.people["citizen"])
    for path, want in {
        "/de/participation/ideas/new/": (1, 0),
        f"/de/participation/ideas/{world.idea_a.pk}/": (0, 0),
        f"/de/participation/surveys/{world.survey_a.survey.pk}/": (0, 0),
    }.items():
        page.console_errors.clear()
        _check(path, _visit(page, live_site + path), list(page.console_errors), want)

    staff = page.context.browser.new_context(locale="de-DE")
    try:
        staff_page = staff.new_page()
        errors: list[str] = []
        staff_page.console_errors = errors
        staff_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        staff_page.on("pageerror", lambda exc: errors.append(str(exc)))
        staff.add_init_script(LISTEN)
        browser_login(staff, live_site, users["bedorf_staff"])
        scenario = runs["scenario"]
        for path, want in {
            "/de/scenarios/": (0, 0),
            f"/de/scenarios/{scenario.pk}/": (1, 0),
            f"/de/scenarios/{scenario.pk}/compare/": (0, 0),
            "/de/strategy/manage/": (0, 0),
        }.items():
            errors.clear()
            _check(path, _visit(staff_page, live_site + path), list(errors), want)
    finally:
        staff.close()
