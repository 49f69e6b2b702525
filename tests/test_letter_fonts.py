"""PDF letters print every character the email holds, in the scripts New Yorkers write, or refuse by name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pypdfium2
import pytest

from tracker.letter_pdf import FALLBACK_FONTS, FONT_FOLDERS, UnprintableText, _font_files, letter_pdf

SAMPLES = [  # (script, a line of a letter) -- each must come back out of the PDF's text layer
    ("Latin with letter punctuation", "Under POL §89(3)(a) the agency “shall” answer – within five days…"),
    ("Cyrillic", "Прошу предоставить записи"),
    ("Arabic", "أطلب السجلات العامة"),
    ("Hebrew", "בקשה למידע ציבורי"),
    ("Chinese", "请提供公共记录"),
    ("Devanagari", "नमस्ते"),
]
EMOJI = "Thank you 🙂"


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def emoji_font_installed() -> bool:
    files = _font_files(tuple(FONT_FOLDERS))
    return any(name.startswith("Symbola") and name in files for name, _face in FALLBACK_FONTS)


@pytest.fixture(scope="module")
def multilingual_letter() -> str:
    body = "\n".join(["Dear Records Access Officer,", "", *(line for _script, line in SAMPLES), "",
                      EMOJI if emoji_font_installed() else "Thank you"])
    return pdf_text(letter_pdf(body, letterhead=["Ban the Scan — حملة", "New York"], title="Request"))


@pytest.mark.parametrize(("script", "line"), SAMPLES, ids=[s for s, _ in SAMPLES])
def test_every_script_comes_out_of_the_pdf_as_written(multilingual_letter, script, line):
    assert line in multilingual_letter, f"{script} missing from the PDF text:\n{multilingual_letter}"


def test_the_letterhead_keeps_its_arabic(multilingual_letter):
    assert "Ban the Scan — حملة" in multilingual_letter


def test_emoji_print_where_an_emoji_font_is_installed(multilingual_letter):
    if not emoji_font_installed():
        pytest.skip("no emoji font (fonts-symbola) here: the refusal tests below cover this machine")
    assert EMOJI in multilingual_letter


def test_a_character_no_font_has_is_refused_by_name(tmp_path):
    # Only DejaVu: it has Latin, Cyrillic and Hebrew, but no Han and no emoji.
    dejavu = tmp_path / "fonts"
    dejavu.mkdir()
    source = _font_files(tuple(FONT_FOLDERS)).get("DejaVuSerif.ttf")
    if source is None:
        pytest.skip("fonts-dejavu-core is not installed here")
    for name in ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSans.ttf"):
        (dejavu / name).symlink_to(source.with_name(name))
    printable = letter_pdf("Прошу\nבקשה למידע", font_folders=[dejavu])
    assert "בקשה למידע" in pdf_text(printable)
    with pytest.raises(UnprintableText) as refused:
        letter_pdf("Прошу 请 🙂", font_folders=[dejavu])
    assert refused.value.characters == ["请", "🙂"]
    message = str(refused.value)
    assert "U+8BF7" in message and "U+1F642 SLIGHTLY SMILING FACE" in message and "install fonts" in message


def test_without_any_font_latin1_letters_still_print_and_others_are_refused(tmp_path: Path):
    assert "Dear Officer, § 87" in pdf_text(letter_pdf("Dear Officer, § 87", font_folders=[tmp_path]))
    with pytest.raises(UnprintableText) as refused:
        letter_pdf("“shall” answer", font_folders=[tmp_path])
    assert refused.value.characters == ["“", "”"]


def test_the_pdf_download_refuses_a_letter_it_cannot_print(app, make_request, api_as, client, login):
    from tracker.clock import legal_today
    from tracker.dispatch import commit
    from tracker.operations import record_event

    req = make_request(received_on=legal_today() - timedelta(days=30), campaign="Ban the Scan")
    req.campaign.letterhead = "Ban the Scan \ue000 Coalition"  # a private-use character: no font has it
    record_event(req, "denied", legal_today(), None, {"exemptions": ["87(2)(e)(iv)"]})
    commit()
    answer = api_as("lawyer").get(f"/api/v1/requests/{req.id}/appeal-letter.pdf")
    assert answer.status_code == 422
    assert "U+E000" in answer.json["error"]["message"]
    login("lawyer")
    page = client.get(f"/requests/{req.id}/letters/appeal.pdf")
    assert page.status_code == 422
    assert "U+E000" in page.get_data(as_text=True) and not page.data.startswith(b"%PDF")
