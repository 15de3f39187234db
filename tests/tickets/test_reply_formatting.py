"""What the reply box's formatting buttons write (Markdown) is shown formatted, and nothing
else gets through: the body is rendered through nh3 as every ticket body is."""

from tickets.rendering import render_body


def test_it_renders_what_the_formatting_buttons_write():
    html = render_body(
        "**Fixed** and _checked_\n\n> the customer said\n\n`E21`\n\n"
        "- drum\n- belt\n\nThen:\n\n1. unplug\n2. wait\n\n[manual](https://example.test/m)"
    )
    for tag in ("<strong>Fixed</strong>", "<em>checked</em>", "<blockquote>", "<code>E21</code>"):
        assert tag in html
    assert "<ul>" in html and "<ol>" in html and html.count("<li>") == 4
    assert '<a href="https://example.test/m"' in html


def test_it_strips_scripts_handlers_and_javascript_links_from_a_reply():
    html = render_body(
        '<img src=x onerror="alert(1)"><script>alert(2)</script>'
        '<p onclick="alert(3)">hi</p>[x](javascript:alert(4))'
    )
    for banned in ("<img", "onerror", "<script", "onclick", "javascript:", "alert(2)"):
        assert banned not in html
    assert "hi" in html
