"""Journey 5: a manager opens the dashboard and every chart renders with data, the key-figure
tiles show numbers and the live board loads itself (htmx); switched to Chinese through the
language selector, the headings are translated. The figures come from the rollups that run.py
refreshes (``manage.py refresh_reports``) right after loading the demo tickets."""

import re

from e2e_helpers import ACME, check_accessibility, choose_language, login, nav_link, screenshot
from playwright.sync_api import expect

CHARTS = ("chart-volume", "chart-rates", "chart-response")

# Per chart canvas: whether Chart.js drew it, and its datasets (label, non-zero values).
_CHARTS_SCRIPT = """
(ids) => ids.map((id) => {
  const chart = window.Chart && Chart.getChart(document.getElementById(id));
  if (!chart) return {id, drawn: false, datasets: []};
  return {
    id,
    drawn: true,
    labels: chart.data.labels.length,
    datasets: chart.data.datasets.map((set) => ({
      label: set.label,
      nonZero: set.data.filter((value) => typeof value === 'number' && value !== 0).length,
    })),
  };
})
"""


def charts_drawn(page) -> list[dict]:
    page.wait_for_function(
        "(ids) => window.Chart && ids.every((id) => Chart.getChart(document.getElementById(id)))",
        arg=list(CHARTS),
    )
    return page.evaluate(_CHARTS_SCRIPT, list(CHARTS))


def test_manager_dashboard_charts_render_with_data(new_page):
    page = new_page("en")
    login(page, ACME, "manager@acme.test")
    nav_link(page, "Reports").click()
    page.wait_for_url(re.compile(r"/reports/$"))
    expect(page.locator("h1")).to_have_text("Service dashboard")

    # Every chart is drawn by Chart.js, and each has at least one non-zero value.
    for chart in charts_drawn(page):
        assert chart["drawn"] and chart["labels"] > 0, chart
        assert any(s["nonZero"] for s in chart["datasets"]), f"no data in {chart}"
    volume = {s["label"]: s["nonZero"] for s in charts_drawn(page)[0]["datasets"]}
    assert volume["Created"] > 0 and volume["Resolved"] > 0, volume

    # Key figures: every tile has a value, and the volume tiles are numbers above zero.
    tiles = page.locator("#key-figures .kpi-tile")
    assert tiles.count() >= 10, tiles.count()
    for text in tiles.locator(".kpi-value").all_inner_texts():
        assert text.strip(), "a key-figure tile without a value"
    for label in ("Tickets created", "Tickets resolved", "Backlog (open)"):
        value = tiles.filter(has=page.locator(".kpi-label", has_text=label)).locator(".kpi-value")
        expect(value).to_have_text(re.compile(r"^[1-9][\d,]*$"))
    expect(tiles.filter(has_text="First response, average").locator(".kpi-value")).to_have_text(
        re.compile(r"\d+ (min|h|d)")
    )

    # The live board replaces its placeholder by itself (htmx), with the open tickets.
    board = page.locator("#live-board")
    expect(board).to_have_attribute("aria-live", "polite")
    expect(board.locator(".live-summary")).to_contain_text(re.compile(r"[1-9]\d* open tickets?"))
    expect(board.locator("table tbody tr").first).to_be_visible()
    expect(board).not_to_contain_text("Loading…")
    # Its table stays inside its own column: it never runs under the "Oldest waiting" list.
    overlap = board.locator(".report-columns").evaluate(
        """(columns) => {
          const [table, oldest] = [...columns.children].map((el) => el.getBoundingClientRect());
          return oldest.top < table.bottom && oldest.left < table.right
            && table.left < oldest.right ? {table: table.right, oldest: oldest.left} : null;
        }"""
    )
    assert overlap is None, f"the live board's table overlaps the oldest-waiting list: {overlap}"
    check_accessibility(page)
    screenshot(page, "dashboard", full_page=True)

    # The same page in Chinese through the language selector: translated headings and charts.
    choose_language(page, "zh-hans")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("服务仪表盘")
    headings = page.locator("main h2")
    for heading in ("实时看板", "关键指标", "趋势", "按原因统计的升级"):
        expect(headings.filter(has_text=heading)).to_have_count(1)
    summary = page.locator("#live-board .live-summary")
    expect(summary).to_contain_text(re.compile(r"[1-9]\d* 张未完结工单"))
    expect(page.locator("#key-figures")).to_contain_text("新建工单量")
    zh_labels = [s["label"] for chart in charts_drawn(page) for s in chart["datasets"]]
    assert zh_labels and all(re.search(r"[\u4e00-\u9fff]", x) for x in zh_labels), zh_labels
    check_accessibility(page)
    screenshot(page, "dashboard-zh-hans", full_page=True)
