"""``/docs`` and ``/redoc`` load nothing from another host, and everything they load is served."""

from __future__ import annotations

import importlib
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest

from huiyuan.provision import SERVICES

PAGES = ["/docs", "/redoc", "/docs/oauth2-redirect"]


class _References(HTMLParser):
    """Every URL a page's markup names: ``src``, ``href`` and ReDoc's ``spec-url``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {"src", "href", "spec-url"}
        self.urls += [value for name, value in attrs if name in names and value]


def _references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    # Swagger UI is configured in a script: url: '/openapi.json'
    return parser.urls + re.findall(r"""\burl: ['"]([^'"]+)['"]""", page)


@pytest.fixture(params=SERVICES)
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    app = importlib.import_module(f"services.{request.param}.main").create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize("page", PAGES)
async def test_docs_name_no_other_host(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not re.search(r"(https?:)?//[\w.-]", response.text), "an absolute URL in the page"
    for url in _references(response.text):
        assert url.startswith("/"), url
        assert not url.startswith("//"), url


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png", "openapi.json"}),
        ("/redoc", {"redoc.standalone.js", "favicon.png", "openapi.json"}),
    ],
)
async def test_what_the_docs_load_is_served(
    client: httpx.AsyncClient, page: str, expected: set[str]
) -> None:
    urls = _references((await client.get(page)).text)
    assert {url.rsplit("/", 1)[-1] for url in urls} == expected
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url


async def test_swagger_ui_renders_openapi_3_1(client: httpx.AsyncClient) -> None:
    """FastAPI writes OpenAPI 3.1, which Swagger UI renders from version 5 on."""
    assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.1")
    bundle = (await client.get("/static-offline-docs/swagger-ui-bundle.js")).text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.\d+\.\d+"', bundle)
    assert version is not None
    assert int(version.group(1)) >= 5
