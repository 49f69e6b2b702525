"""Every real-world message in ../shared/fixtures/email goes through parse_message without an exception."""

import os
from datetime import datetime
from pathlib import Path

import pytest

from ingest.parsing import MAX_ATTACHMENTS, ParsedEmail, expand_tnef, parse_message

FIXTURES = Path(
    os.environ.get("FOILTRACK_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures")
)
EMAIL = FIXTURES / "email"

if not EMAIL.is_dir():
    pytest.skip(
        f"real-world email fixtures not found at {EMAIL} (set FOILTRACK_FIXTURES)", allow_module_level=True
    )

MESSAGES = sorted(p.name for p in EMAIL.glob("*.eml"))


def parse(name: str) -> ParsedEmail:
    """Parse one fixture file."""
    return parse_message((EMAIL / name).read_bytes())


def names(parsed: ParsedEmail, nested: bool | None = None) -> list[str]:
    """Attachment file names, optionally only the (non-)nested ones."""
    return [a.filename for a in parsed.attachments if nested is None or a.nested is nested]


@pytest.mark.parametrize("name", MESSAGES)
def test_every_fixture_parses_to_sane_fields(name):
    parsed = parse(name)
    assert isinstance(parsed.subject, str) and len(parsed.subject) <= 8000
    assert parsed.headers and all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.headers)
    assert parsed.date is None or (isinstance(parsed.date, datetime) and parsed.date.tzinfo is not None)
    assert parsed.message_id is None or ("<" not in parsed.message_id and " " not in parsed.message_id)
    assert isinstance(parsed.text, str) and "\r\n" not in parsed.text
    assert parsed.text or parsed.attachments or parsed.defects, "nothing at all came out of the message"
    assert len(parsed.attachments) <= MAX_ATTACHMENTS
    for att in parsed.attachments:
        assert att.filename and "/" not in att.filename and "\\" not in att.filename
        assert not any(ord(ch) < 32 for ch in att.filename) and len(att.filename.encode()) <= 200
        assert isinstance(att.content, bytes) and "/" in att.declared_type
    if parsed.html_sanitized:
        assert "<script" not in parsed.html_sanitized.lower()
    for addr in [parsed.from_addr or "a@b", *parsed.to, *parsed.cc, *parsed.recipients_for_matching]:
        assert "@" in addr and addr == addr.lower()


@pytest.mark.parametrize(
    ("name", "recipients", "status"),
    [
        ("cpython-msg_16-ucla-bounce-2001.eml", ["jangel1@cougar.noc.ucla.edu"], "5.0.0"),
        ("flanker-office365-bounce.eml", ["noname@example.com"], "5.1.10"),
        ("froide-bounce_002.eml", ["eschmann@izfp.fhg.de"], "5.1.1"),
        ("alaveteli-track-response-ms-bounce.eml", ["username@example.org.uk"], "4.4.7"),
        ("alaveteli-humberside-police-odd-mime-type.eml", ["clerk@humberside-pa.karoo.co.uk"], None),
        ("alaveteli-track-response-webshield-bounce.eml", ["failed.user@example.co.uk"], None),
    ],
)
def test_bounces(name, recipients, status):
    parsed = parse(name)
    assert parsed.is_bounce
    assert parsed.bounce.recipients == recipients
    assert parsed.bounce.status == status


def test_delay_notice_is_a_bounce_but_not_permanent():
    assert not parse("alaveteli-track-response-ms-bounce.eml").bounce.permanent
    assert parse("froide-bounce_002.eml").bounce.permanent


@pytest.mark.parametrize(
    "name",
    [
        "froide-test_mail_01.eml",
        "froide-test_mail_04.eml",
        "alaveteli-incoming-request-pdf-attachment.eml",
        "hunnysoft-m2011-binhex.eml",
    ],
)
def test_ordinary_replies_are_neither_bounces_nor_auto_replies(name):
    parsed = parse(name)
    assert not parsed.is_bounce and not parsed.is_auto_reply


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("phpmime-issue116-iso-2022-jp.eml", "\u0416\u0414\u211641 \u043e\u0442 28.09.2016"),
        (
            "froide-test_mail_01.eml",
            "Anfrage nach dem Informationsfreiheitsgesetz; F\xf6rderantr\xe4ge und Verwendungsnachweise der "
            "Hanns-Seidel-Stiftung; Vg. 375-2018",
        ),
        ("alaveteli-quoted-subject-iso8859-1.eml", "C\xe2mara Responde:  Banco de ideias"),
        ("alaveteli-no-part-charset-bad-utf8.eml", "\u4efb\u4e50\u677e"),
        ("froide-test_mail_06.eml", "Re: Aktenpl\xe4ne im Bundestag"),
        ("hunnysoft-m2011-binhex.eml", "Die Hasen und die Fr\xf6sche"),
    ],
)
def test_subjects_decode(name, subject):
    assert parse(name).subject == subject


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("rubymail-ks_c_5601-1987.eml", "\uc2a4\ud2f0\ud574"),
        ("mailparser-mail_test_12.eml", "\u4f60\u597d\uff01\u6211\u516c\u53f8"),
        ("alaveteli-no-part-charset-bad-utf8.eml", "\u8d35\u516c\u53f8\u8d1f\u8d23\u4eba"),
        ("froide-test_mail_15.eml", "k&ouml;nnen"),
        ("froide-test_mail_10.eml", "in der Anlage \xfcbersende ich Ihnen"),
        ("phpmime-issue230-x-mac-cyrillic.eml", "ACADEMIC NEWSLETTER #11"),
        ("alaveteli-incoming-request-tnef-only.eml", "RE: Freedom of Information request"),
        ("froide-test_mail_13.eml", "Benachrichtigung \xfcber verschl\xfcsselte Nachricht"),
    ],
)
def test_body_text_decodes(name, fragment):
    assert fragment in parse(name).text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hunnysoft-m2011-binhex.eml", ["blueball.png", "HasenundFr\xf6sche.txt"]),
        ("hunnysoft-m2010-x-uuencode.eml", ["greenball.png", "blueball.png"]),
        ("alaveteli-inline-uuencode.eml", ["ResponseT7363 9.doc"]),
        ("alaveteli-incoming-request-bad-uuencoding-2.eml", ["ResponseT5741 15.doc"]),
        ("rubymail-content_transfer_encoding_x_uuencode.eml", ["PGP_Cmts_on_12-14-01_Pkg.doc"]),
        ("phpmime-m0018-korean-filename.eml", ["\uc0ac\uc9c4.JPG", "ATT00001.txt"]),
        (
            "froide-test_mail_07.eml",
            [
                "Bescheid F\xe4ker.pdf",
                "180328 Schreiben an Antragstellerin; Vg. 069-2018.pdf",
                "M\xfcller_Michael_Metrobus 6_7_8_26.xlsx",
            ],
        ),
        ("froide-test_mail_10.eml", ["Eingangsbest\xe4tigung Akteneinsicht.doc"]),
        # Declared as C:\TEMP\nsmailEG.png: the Windows path is dropped.
        (
            "hunnysoft-m1005-netscape-nested.eml",
            ["nsmailEG.png", "nsmail39.png", "redball.png", "greenball.png"],
        ),
        ("alaveteli-part-without-charset-in-content-type.eml", ["document.pdf"]),
        ("alaveteli-no-body.eml", ["test.xlsx"]),
    ],
)
def test_attachment_names(name, expected):
    assert names(parse(name)) == expected


def test_binhex_and_uuencoded_files_are_decoded():
    binhex = parse("hunnysoft-m2011-binhex.eml").attachments
    assert binhex[0].content.startswith(b"\x89PNG\r\n\x1a\n") and binhex[0].size == 1325
    assert binhex[1].content.startswith(b"Die Hasen und die")
    uu = parse("hunnysoft-m2010-x-uuencode.eml").attachments
    assert all(a.content.startswith(b"\x89PNG\r\n\x1a\n") for a in uu)
    inline = parse("alaveteli-inline-uuencode.eml")
    assert inline.attachments[0].content.startswith(b"\xd0\xcf\x11\xe0")
    assert "begin 644" not in inline.text


def test_empty_x_uuencode_part_is_kept_with_a_defect():
    parsed = parse("rubymail-content_transfer_encoding_x_uuencode.eml")
    assert parsed.attachments[0].size == 0
    assert any("x-uuencode" in d for d in parsed.defects)


def test_tnef_fixtures():
    only = parse("alaveteli-incoming-request-tnef-only.eml")
    assert only.attachments == [] and only.html_sanitized  # its HTML body is the whole message
    truncated = parse("alaveteli-tnef-attachment-truncated.eml")
    assert names(truncated) == ["winmail.dat"] and any("TNEF" in d for d in truncated.defects)
    # Labelled TNEF but the bytes are a PNG: kept as received, and the reason recorded.
    receipt = parse("hunnysoft-m4006-tnef-read-receipt.eml")
    assert names(receipt) == ["winmail.dat"]
    assert any("Wrong TNEF signature" in d for d in receipt.defects)


def test_raw_tnef_blob_expands_to_its_two_files():
    files = expand_tnef((FIXTURES / "email" / "winmail-two-files.dat").read_bytes())
    assert [(a.filename, a.size) for a in files] == [("AUTHORS", 244), ("README", 893)]
    assert b"TNEF" in files[1].content


def test_three_hundred_attachments_are_all_kept():
    parsed = parse("phpmime-issue408-300-attachments.eml")
    assert len(parsed.attachments) == 328
    assert parsed.text == "test" and parsed.defects == []


@pytest.mark.parametrize(
    ("name", "outer", "nested"),
    [
        ("alaveteli-incoming-request-attachment-headers.eml", ["Foi request.eml", "info.jpg"], []),
        ("rubymail-attachment_message_rfc822.eml", ["Another PDF.eml"], ["broken.pdf"]),
        (
            "froide-test_mail_08.eml",
            [
                "WG_ Disziplinarverfahren u.a. gegen B\xfcrgermeister_Hauptverwaltungsbeamte_"
                "Amtsdirektoren_ehrenamtliche B\xfcrgermeister_Ortsvorsteher_Landr\xe4te im "
                "Land Bra.eml"
            ],
            [],
        ),
        (
            "cpython-msg_02-mailman-digest.eml",
            [
                "[Ppp] testing #1.eml",
                "forwarded message.eml",
                "[Ppp] testing #3.eml",
                "[Ppp] testing #4.eml",
                "[Ppp] testing #5.eml",
            ],
            [],
        ),
    ],
)
def test_nested_messages(name, outer, nested):
    parsed = parse(name)
    assert names(parsed, nested=False) == outer
    assert names(parsed, nested=True) == nested
    for att in parsed.attachments:
        if att.declared_type == "message/rfc822":
            assert parse_message(att.content).headers


def test_deep_forward_chain_collects_inner_files():
    parsed = parse("alaveteli-many-attachments-date-header.eml")
    inner = names(parsed, nested=True)
    assert "participant list.xls" in inner and "Participant List.doc" in inner
    assert parsed.text == "Some information"


def test_outlook_template_is_flagged():
    assert parse("alaveteli-incoming-request-oft-attachments.eml").is_outlook_msg
    assert not parse("alaveteli-incoming-request-pdf-attachment.eml").is_outlook_msg


@pytest.mark.parametrize(
    ("name", "defect"),
    [
        ("alaveteli-multipart-no-final-boundary.eml", "CloseBoundaryNotFound"),
        ("flanker-false-multipart.eml", "boundary not found"),
        ("mailparser-mail_malformed_1.eml", "StartBoundaryNotFound"),
        ("mailparser-mail_test_6.eml", "InvalidMultipartContentTransferEncoding"),
    ],
)
def test_malformed_structure_is_recorded(name, defect):
    assert any(defect in d for d in parse(name).defects)


def test_threading_and_recipients_from_real_mail():
    parsed = parse("froide-test_mail_01.eml")
    assert parsed.recipients_for_matching[0] == "sw+yurpykc1hr@fragdenstaat.de"
    assert parsed.from_name == "J\xf6rg Gahl-Killen"
    reply = parse("froide-test_mail_18.eml")
    assert reply.subject.startswith("AW: Anfragenr. 123456")
