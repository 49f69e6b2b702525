"""The viewer's page image (drawn in the sandbox, kept) and changing visibility from the web."""

from __future__ import annotations

import io
import re

import pytest

from tests.ingest_support import make_pdf


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def production(app, make_request):
    """Three PDFs added together to one request (one production), and one added on another day."""
    from tracker.dispatch import commit
    from tracker.operations.uploads import Upload, add_documents

    req = make_request(received_on="2024-03-01")
    together = add_documents(req, [Upload(f"part-{n}.pdf", make_pdf([f"Part {n} about the Nightjar pilot",
                                                                      "second page"])) for n in (1, 2, 3)],
                             None, released_on="2024-04-02")
    other = add_documents(req, [Upload("later.pdf", make_pdf(["Later Nightjar release"]))], None,
                          released_on="2024-05-02")
    commit()
    return together, other[0]


def test_the_viewer_shows_the_page_image_beside_its_text(client, login, production, app):
    from tracker.web.page_images import image_cache

    login("volunteer")
    first = production[0][0]
    page = client.get(f"/documents/{first.id}?page=2&q=second").get_data(as_text=True)
    assert f'src="/documents/{first.id}/pages/2.png"' in page and "<mark>second</mark>" in page
    picture = client.get(f"/documents/{first.id}/pages/2.png")
    assert picture.status_code == 200 and picture.mimetype == "image/png" and picture.data[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    width, height = Image.open(io.BytesIO(picture.data)).size
    assert 800 < width < 1000 and height > width  # A4 at 1.5 × 72 dpi, portrait
    assert image_cache(first.sha256, 2).is_file()  # drawn once, then served from the cache
    assert client.get(f"/documents/{first.id}/pages/3.png").status_code == 404  # no such page


def test_a_page_that_cannot_be_drawn_is_a_clear_404(client, login, app, make_request):
    from tracker.dispatch import commit
    from tracker.operations.uploads import Upload, add_documents

    req = make_request(received_on="2024-03-01")
    [broken] = add_documents(req, [Upload("broken.pdf", b"%PDF-1.7\n" + b"garbage " * 50)], None,
                             released_on="2024-04-02", queue_extraction=False)
    broken.page_count = 1
    commit()
    login("lawyer")
    response = client.get(f"/documents/{broken.id}/pages/1.png")
    assert response.status_code == 404 and "could not be drawn" in response.get_data(as_text=True)


def test_a_lawyer_makes_a_whole_production_public_and_a_researcher_finds_it(client, login, production, app):
    together, other = production
    login("lawyer")
    page = client.get(f"/documents/{together[0].id}").get_data(as_text=True)
    assert "all 3 documents of this production" in page
    done = client.post(f"/documents/{together[0].id}/visibility",
                       data={"csrf_token": csrf(page), "visibility": "public", "scope": "production"},
                       follow_redirects=True)
    assert "All 3 documents of this production are now public" in done.get_data(as_text=True)
    from tracker.extensions import db

    db.session.expire_all()
    assert [d.visibility for d in together] == ["public"] * 3 and other.visibility == "internal"
    client.post("/logout", data={"csrf_token": csrf(done.get_data(as_text=True))})
    client.get("/logout")
    login("researcher")
    found = client.get("/search?q=Nightjar").get_data(as_text=True)
    assert all(f"part-{n}.pdf" in found for n in (1, 2, 3)) and "later.pdf" not in found


def test_volunteers_cannot_change_visibility(client, login, production):
    login("volunteer")
    first = production[0][0]
    page = client.get(f"/documents/{first.id}").get_data(as_text=True)
    assert "Change who may see" not in page
    refused = client.post(f"/documents/{first.id}/visibility", data={"csrf_token": csrf(page),
                                                                     "visibility": "public"})
    assert refused.status_code == 403
