"""A resident's description is Markdown; whatever they type, the page never runs their script."""

from pbvote.proposals.markdown import render_markdown


def test_markdown_formatting_survives():
    html = render_markdown("## Why\n\nA **bench** and *shade*:\n\n- trees\n- water\n\n[plan](https://example.org/plan)")
    assert "<h2>Why</h2>" in html
    assert "<strong>bench</strong>" in html and "<em>shade</em>" in html
    assert "<li>trees</li>" in html
    assert '<a href="https://example.org/plan" rel="noopener noreferrer nofollow">plan</a>' in html


def test_raw_html_script_tags_are_shown_as_text_not_run():
    html = render_markdown("Hello <script>alert('x')</script>")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_event_handler_attributes_never_reach_the_page():
    html = render_markdown('<img src="x" onerror="alert(1)">\n\n<p onclick="alert(2)">hi</p>')
    assert "<img" not in html and "<p onclick" not in html
    # Shown as harmless text, if at all.
    assert 'onerror="alert(1)"' not in html.replace("&quot;", '"').split("&lt;img")[0]


def test_javascript_links_are_removed_in_any_spelling():
    for source in (
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
    ):
        html = render_markdown(source)
        assert 'href="javascript' not in html.lower(), source
        assert 'href="vbscript' not in html.lower(), source
        assert 'href="data:' not in html.lower(), source


def test_images_and_inline_styles_are_dropped():
    html = render_markdown("![tracker](https://evil.example/pixel.png)\n\n| a |\n|:-:|\n| 1 |")
    assert "<img" not in html
    assert "style=" not in html
    assert "<table>" in html


def test_empty_description_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
