"""One repository setting: ``_config.yml``'s ``repository: url:`` drives the launch, repository
and issues buttons of the built pages (checked against that setting, not a copy of it), and
the Sphinx extension ``_ext/cnncourse_launch.py`` catches what would silently undo it."""

import importlib.util
import logging
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
import yaml
from book_pages import ROOT, notebooks


def _extension():
    path = ROOT / "_ext" / "cnncourse_launch.py"
    spec = importlib.util.spec_from_file_location("cnncourse_launch_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def _warnings(caplog, call):
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        call()
    return [record.getMessage() for record in caplog.records]


def test_theme_options_that_drop_the_repository_are_reported(caplog):
    extension = _extension()
    app = SimpleNamespace(srcdir=str(ROOT))
    url = _config()["repository"]["url"]
    faithful = {"repository_url": url}
    faithful.update(
        {b: v for b, v in (_config().get("html") or {}).items() if b.startswith("use_")}
    )
    assert (
        _warnings(
            caplog,
            lambda: extension._check_theme_options(
                app, SimpleNamespace(html_theme_options=faithful)
            ),
        )
        == []
    )
    overridden = SimpleNamespace(html_theme_options={"repository_url": "https://example.org/x"})
    messages = _warnings(caplog, lambda: extension._check_theme_options(app, overridden))
    assert any("repository_url" in m for m in messages)
    if (_config().get("html") or {}).get("use_issues_button"):
        assert any("use_issues_button" in m for m in messages)


def test_pdf_link_joins_the_download_menu_only_when_asked():
    extension = _extension()

    def context():
        group = {"label": "download-buttons", "buttons": [{"label": "download-source-button"}]}
        return {"header_buttons": [group], "pathto": lambda name, resource: f"../{name}"}

    without = context()
    app = SimpleNamespace(config=SimpleNamespace(cnncourse_pdf=""))
    extension._add_pdf_link(app, "book/pooling", "page.html", without, None)
    assert len(without["header_buttons"][0]["buttons"]) == 1
    asked = context()
    app = SimpleNamespace(config=SimpleNamespace(cnncourse_pdf="cnncourse.pdf"))
    extension._add_pdf_link(app, "book/pooling", "page.html", asked, None)
    link = asked["header_buttons"][0]["buttons"][-1]
    assert link["url"] == "../cnncourse.pdf" and link["text"] == "Book (.pdf)"


@pytest.mark.book
def test_buttons_follow_the_repository_setting(built_book):
    html_dir = ROOT / "_build" / "html"
    config = _config()
    url = config["repository"]["url"].rstrip("/")
    branch = config["repository"].get("branch", "main")
    owner_repo = urlparse(url).path.strip("/")
    launch = config.get("launch_buttons") or {}
    html_options = config.get("html") or {}
    for notebook in notebooks():
        path = notebook.relative_to(ROOT).as_posix()
        html = (html_dir / notebook.relative_to(ROOT).with_suffix(".html")).read_text()
        if html_options.get("use_repository_button"):
            assert f'href="{url}"' in html, f"{path}: no repository button"
        if html_options.get("use_issues_button"):
            assert f"{url}/issues/new" in html, f"{path}: no issues button"
        if launch.get("colab_url"):
            colab = launch["colab_url"].rstrip("/")
            assert f"{colab}/github/{owner_repo}/blob/{branch}/{path}" in html, path
        if launch.get("binderhub_url"):
            binder = launch["binderhub_url"].rstrip("/")
            assert f"{binder}/v2/gh/{owner_repo}/{branch}?urlpath=" in html, path
