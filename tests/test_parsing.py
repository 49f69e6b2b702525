"""MIME parsing on messages built here, one per shape agencies and mail servers send."""

import binascii
import random
import struct
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from ingest.mime.charsets import decode_bytes, decode_encoded_words
from ingest.mime.legacy import BinHexError, decode_binhex
from ingest.parsing import (
    MAX_ATTACHMENTS,
    UnparseableEmail,
    expand_tnef,
    html_to_text,
    parse_message,
    safe_filename,
    sanitize_html,
)

CRLF = b"\r\n"


def raw_message(headers: str, body: bytes = b"Hello.\n") -> bytes:
    """A message from header lines (str, \\n-separated) and a body (bytes)."""
    return headers.strip("\n").encode("utf-8") + b"\n\n" + body


def simple(**extra) -> EmailMessage:
    """A minimal reply from an agency."""
    msg = EmailMessage()
    msg["From"] = "Records Access Officer <foil@agency.ny.gov>"
    msg["To"] = "foil+ab1cd0ef@campaign.org"
    msg["Subject"] = extra.pop("subject", "Your FOIL request FOIL-2023-056-11528")
    msg["Message-ID"] = "<reply-1@agency.ny.gov>"
    msg["Date"] = "Tue, 02 May 2023 10:15:00 -0400"
    for name, value in extra.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("We acknowledge receipt of your request.\n")
    return msg


# --- headers -------------------------------------------------------------------------------------


def test_identity_threading_and_addresses():
    msg = simple(
        In_Reply_To="<sent-1@campaign.org>",
        References="<root@campaign.org> <sent-1@campaign.org>",
        Cc='"Doe, Jane" <Jane.Doe@agency.ny.gov>, counsel@agency.ny.gov',
        Delivered_To="foil+ab1cd0ef@campaign.org",
        X_Original_To="FOIL+AB1CD0EF@campaign.org",
        Resent_To="other@campaign.org",
    )
    parsed = parse_message(msg.as_bytes())
    assert parsed.message_id == "reply-1@agency.ny.gov"
    assert parsed.in_reply_to == "sent-1@campaign.org"
    assert parsed.references == ["root@campaign.org", "sent-1@campaign.org"]
    assert parsed.thread_ids == ["sent-1@campaign.org", "root@campaign.org"]
    assert parsed.from_addr == "foil@agency.ny.gov"
    assert parsed.from_name == "Records Access Officer"
    assert parsed.to == ["foil+ab1cd0ef@campaign.org"]
    assert parsed.cc == ["jane.doe@agency.ny.gov", "counsel@agency.ny.gov"]
    assert parsed.recipients_for_matching == [
        "foil+ab1cd0ef@campaign.org",
        "jane.doe@agency.ny.gov",
        "counsel@agency.ny.gov",
        "other@campaign.org",
    ]
    assert parsed.date == datetime(2023, 5, 2, 14, 15, tzinfo=UTC)
    assert parsed.date.utcoffset() == timedelta(hours=-4)
    assert parsed.subject == "Your FOIL request FOIL-2023-056-11528"
    assert parsed.header("message-id") == "<reply-1@agency.ny.gov>"
    assert parsed.text == "We acknowledge receipt of your request."
    assert parsed.attachments == [] and parsed.defects == []
    assert not parsed.is_auto_reply and not parsed.is_bounce


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Message-ID: <abc@x.org>", "abc@x.org"),
        ("Message-ID:   < abc@x.org >  ", "abc@x.org"),
        ("Message-ID: abc@x.org", "abc@x.org"),
        ("Message-ID: <ABC$def@[10.0.0.1]>", "ABC$def@[10.0.0.1]"),
        ("Message-ID:", None),
        ("X-Nothing: 1", None),
    ],
)
def test_message_id_normalised_never_synthesised(header, expected):
    assert parse_message(raw_message(f"From: a@b.org\n{header}")).message_id == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Tue, 02 May 2023 10:15:00 -0400", datetime(2023, 5, 2, 14, 15, tzinfo=UTC)),
        ("2 May 2023 10:15:00 +0200", datetime(2023, 5, 2, 8, 15, tzinfo=UTC)),
        ("Tue, 02 May 2023 10:15:00 -0000", datetime(2023, 5, 2, 10, 15, tzinfo=UTC)),
        ("Tue, 02 May 2023 10:15:00", datetime(2023, 5, 2, 10, 15, tzinfo=UTC)),
        ("yesterday-ish", None),
        ("Tue, 99 Foo 2023 99:99:99", None),
    ],
)
def test_dates_are_aware_or_none(date, expected):
    parsed = parse_message(raw_message(f"From: a@b.org\nDate: {date}"))
    assert parsed.date == expected
    if expected is not None:
        assert parsed.date.tzinfo is not None
    else:
        assert any("Date" in d for d in parsed.defects)


@pytest.mark.parametrize(
    ("raw_subject", "expected"),
    [
        (b"=?utf-8?q?Records_request_=E2=80=93_denied?=", "Records request \u2013 denied"),
        (b"=?UTF-8?B?UmVjb3JkcyDigJMgZGVuaWVk?=", "Records \u2013 denied"),
        (b"=?iso-8859-1?q?R=E9ponse?= =?iso-8859-1?q?_=E0_votre_demande?=", "R\xe9ponse \xe0 votre demande"),
        # A UTF-8 character split across two encoded words, and words glued without a space.
        (b"=?utf-8?B?4oA=?= =?utf-8?B?kyBkYXNo?=", "\u2013 dash"),
        (b"=?utf-8?Q?Akten?==?utf-8?Q?pl=C3=A4ne?=", "Aktenpl\xe4ne"),
        (b"=?ks_c_5601-1987?B?x9GxuQ==?=", "\ud55c\uad6d"),
        (b"=?x-mac-cyrillic?Q?=8F=F0=E8=E2=E5=F2?=", "\u041f\u0440\u0438\u0432\u0435\u0442"),
        (b"=?iso-2022-jp?B?GyRCRnxLXBsoQg==?=", "\u65e5\u672c"),
        (b"=?no-such-charset?Q?plain?=", "plain"),
        (b"=?utf-8?B?!!!?=", ""),
        ("Caf\xe9 8-bit UTF-8".encode(), "Caf\xe9 8-bit UTF-8"),
        ("Caf\xe9 8-bit Latin-1".encode("cp1252"), "Caf\xe9 8-bit Latin-1"),
    ],
)
def test_subject_decoding(raw_subject, expected):
    parsed = parse_message(b"From: a@b.org\nSubject: " + raw_subject + b"\n\nbody")
    assert parsed.subject == expected


def test_raw_8bit_from_and_encoded_display_name_with_comma():
    raw = b"From: \xc3\x9clker M\xc3\xbcller <u@x.de>\nTo: =?utf-8?q?Doe=2C_Jane?= <jd@x.org>, b@x.org\n\nx"
    parsed = parse_message(raw)
    assert (parsed.from_name, parsed.from_addr) == ("\xdclker M\xfcller", "u@x.de")
    assert parsed.to == ["jd@x.org", "b@x.org"]


def test_broken_address_syntax_still_yields_addresses():
    parsed = parse_message(b'From: "unterminated <a@b.org\nTo: ,,,<<>>@@, x@y.org\n\nbody')
    assert parsed.from_addr == "a@b.org"
    assert "x@y.org" in parsed.to


def test_huge_headers_are_bounded():
    raw = b"From: a@b.org\nSubject: " + b"x" * 500_000 + b"\nX-Junk: " + b"y " * 300_000 + b"\n\nbody"
    parsed = parse_message(raw)
    assert len(parsed.subject) == 8000
    assert all(len(value) <= 8000 for _, value in parsed.headers)
    assert any("cut" in d for d in parsed.defects)


def test_long_references_keep_root_and_newest():
    refs = " ".join(f"<m{i}@x.org>" for i in range(500))
    parsed = parse_message(raw_message(f"From: a@b.org\nReferences: {refs}"))
    assert len(parsed.references) == 100
    assert parsed.references[0] == "m0@x.org" and parsed.references[-1] == "m499@x.org"


# --- bodies --------------------------------------------------------------------------------------


def test_alternative_prefers_plain_and_sanitises_html():
    msg = simple()
    msg.add_alternative(
        '<p onclick="steal()">We <b>acknowledge</b></p><script>alert(1)</script>'
        '<img src="https://tracker.example/p.gif"><img src="cid:logo@x"><a href="javascript:x()">x</a>',
        subtype="html",
    )
    parsed = parse_message(msg.as_bytes())
    assert parsed.text == "We acknowledge receipt of your request."
    html = parsed.html_sanitized
    assert "<b>acknowledge</b>" in html
    for banned in ("script", "onclick", "tracker.example", "javascript"):
        assert banned not in html
    assert 'src="cid:logo@x"' in html


def test_html_only_mail_gets_text_derived():
    msg = EmailMessage()
    msg["From"] = "a@b.org"
    msg.set_content(
        "<html><head><style>p {color: red}</style><title>T</title></head><body>"
        "<p>Dear requester,</p><p>Your request is <i>denied</i>&nbsp;under &sect;87(2)(e).</p>"
        "<table><tr><td>Pages</td><td>12</td></tr></table></body></html>",
        subtype="html",
    )
    parsed = parse_message(msg.as_bytes())
    assert parsed.text == "Dear requester,\n\nYour request is denied under \xa787(2)(e).\n\nPages 12"
    assert "<style>" not in parsed.html_sanitized and "<p>Dear requester,</p>" in parsed.html_sanitized


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        ("utf-8", "Gr\xfc\xdfe".encode(), "Gr\xfc\xdfe"),
        ("iso-8859-1", "Gr\xfc\xdfe \u2013 ok".encode("cp1252"), "Gr\xfc\xdfe \u2013 ok"),
        ("iso-8859-1", "mislabelled UTF-8: Gr\xfc\xdfe".encode(), "mislabelled UTF-8: Gr\xfc\xdfe"),
        ("us-ascii", "Gr\xfc\xdfe".encode("cp1252"), "Gr\xfc\xdfe"),
        ("ks_c_5601-1987", "\ud55c\uad6d\uc5b4".encode("cp949"), "\ud55c\uad6d\uc5b4"),
        (
            "x-mac-cyrillic",
            "\u041f\u0440\u0438\u0432\u0435\u0442".encode("mac_cyrillic"),
            "\u041f\u0440\u0438\u0432\u0435\u0442",
        ),
        ("gb2312", "\u4f60\u597d\u9555".encode("gbk"), "\u4f60\u597d\u9555"),
        ("hz-gb-2312", "\u4f60\u597d".encode("hz"), "\u4f60\u597d"),
        ("unicode-1-1-utf-7", "caf\xe9".encode("utf-7"), "caf\xe9"),
        ("x-unknown-charset", "caf\xe9".encode("cp1252"), "caf\xe9"),
        (None, "caf\xe9".encode("cp1252"), "caf\xe9"),
    ],
)
def test_body_charsets(charset, body, expected):
    ctype = f"text/plain; charset={charset}" if charset else "text/plain"
    raw = raw_message(f"From: a@b.org\nContent-Type: {ctype}\nContent-Transfer-Encoding: 8bit", body)
    assert parse_message(raw).text == expected


def test_iso_2022_jp_with_microsoft_extensions_decodes_via_cp932():
    # "No." (NEC row 13) is outside strict ISO-2022-JP but Outlook sends it.
    text, codec = decode_bytes(b"\x1b$B-b\x1b(B41", "iso-2022-jp")
    assert text == "\u211641"
    assert "cp932" in codec


def test_decode_bytes_never_fails():
    rng = random.Random(5)
    for label in (None, "utf-8", "big5", "shift_jis", "nonsense", "utf-16"):
        for _ in range(50):
            blob = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
            text, _ = decode_bytes(blob, label)
            assert isinstance(text, str)


def test_encoded_words_with_folding_space_inside():
    assert decode_encoded_words("=?iso-8859-1?Q?F=F6rder antr=E4ge?=") == "F\xf6rderantr\xe4ge"


# --- structure -----------------------------------------------------------------------------------


def test_missing_final_boundary_and_false_multipart():
    raw = raw_message(
        "From: a@b.org\nContent-Type: multipart/mixed; boundary=XX",
        b"--XX\nContent-Type: text/plain\n\nfirst part\n--XX\nContent-Type: text/plain\n\nsecond\n",
    )
    parsed = parse_message(raw)
    assert parsed.text == "first part\n\nsecond"
    assert any("CloseBoundaryNotFound" in d for d in parsed.defects)

    raw = raw_message("From: a@b.org\nContent-Type: multipart/alternative; boundary=nowhere", b"Just text.\n")
    parsed = parse_message(raw)
    assert parsed.text == "Just text."
    assert any("boundary not found" in d for d in parsed.defects)


def test_attachments_with_encoded_and_hostile_names():
    msg = simple()
    msg.add_attachment(
        b"%PDF-1.4 one", maintype="application", subtype="pdf", filename="Bescheid F\xe4ker.pdf"
    )
    msg.add_attachment(b"two", maintype="application", subtype="pdf", filename="../../etc/passwd")
    msg.add_attachment(b"three", maintype="image", subtype="png", filename="C:\\TEMP\\scan\u202egnp.exe")
    msg.add_attachment(b"four", maintype="application", subtype="octet-stream")
    parsed = parse_message(msg.as_bytes())
    names = [a.filename for a in parsed.attachments]
    assert names == ["Bescheid F\xe4ker.pdf", "passwd", "scangnp.exe", "attachment-4.bin"]
    assert parsed.attachments[0].content == b"%PDF-1.4 one"
    assert parsed.attachments[0].declared_type == "application/pdf"
    assert parsed.text == "We acknowledge receipt of your request."


def test_rfc2231_continuations_holding_an_encoded_word():
    raw = raw_message(
        "From: a@b.org\nContent-Type: multipart/mixed; boundary=B",
        b"--B\nContent-Type: application/octet-stream\nContent-Disposition: attachment;\n"
        b' filename*0="=?UTF-8?Q?M=C3=BCller_26.xl"; \n filename*1="sx?="\n\nZGF0YQ==\n'
        b"--B\nContent-Type: application/pdf\nContent-Disposition: attachment;\n"
        b" filename*=utf-8''Re%CC%81ponse%20%C3%A0.pdf\n\ndata\n--B--\n",
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["M\xfcller 26.xlsx", "R\xe9ponse \xe0.pdf"]


def test_inline_image_keeps_content_id():
    msg = simple()
    msg.add_alternative('<p>Logo: <img src="cid:logo@agency"></p>', subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG...", maintype="image", subtype="png", cid="<logo@agency>")
    parsed = parse_message(msg.as_bytes())
    (image,) = parsed.attachments
    assert image.content_id == "logo@agency" and image.inline and image.filename == "attachment-1.png"


def test_nested_message_is_kept_whole_and_its_attachments_collected():
    inner = simple(subject="Re: records / part 2")
    inner.add_attachment(b"%PDF inner", maintype="application", subtype="pdf", filename="inner.pdf")
    outer = EmailMessage()
    outer["From"] = "clerk@agency.ny.gov"
    outer["Subject"] = "Fwd: records"
    outer.set_content("See the forwarded message.")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes())
    assert parsed.text == "See the forwarded message."
    eml, pdf = parsed.attachments
    assert eml.filename == "Re_ records _ part 2.eml"
    assert eml.declared_type == "message/rfc822" and not eml.nested
    assert parse_message(eml.content).subject == "Re: records / part 2"
    assert (pdf.filename, pdf.content, pdf.nested) == ("inner.pdf", b"%PDF inner", True)


def test_attachment_count_is_bounded():
    parts = b"".join(
        b"--B\nContent-Type: text/csv\nContent-Disposition: attachment; filename=f%d.csv\n\nx\n" % i
        for i in range(MAX_ATTACHMENTS + 25)
    )
    parsed = parse_message(
        raw_message("From: a@b.org\nContent-Type: multipart/mixed; boundary=B", parts + b"--B--")
    )
    assert len(parsed.attachments) == MAX_ATTACHMENTS
    assert any("25 more attachments" in d for d in parsed.defects)


def test_deep_nesting_does_not_raise():
    body = b"".join(
        b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1) for i in range(2000)
    )
    parsed = parse_message(raw_message("From: a@b.org\nContent-Type: multipart/mixed; boundary=b0", body))
    assert parsed.from_addr == "a@b.org"
    assert parsed.defects


def test_outlook_msg_attachment_is_flagged():
    msg = simple()
    msg.add_attachment(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        maintype="application",
        subtype="vnd.ms-outlook",
        filename="Original request.msg",
    )
    msg.add_attachment(b"not ole", maintype="application", subtype="octet-stream", filename="fake.msg")
    parsed = parse_message(msg.as_bytes())
    assert [a.is_outlook_msg for a in parsed.attachments] == [True, False]
    assert parsed.is_outlook_msg


# --- legacy wrappings: uuencode, BinHex, TNEF ------------------------------------------------------


def uuencode(name: str, data: bytes) -> bytes:
    """A uuencoded block, the way old mail clients wrote it."""
    lines = [binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45)]
    return f"begin 644 {name}\n".encode() + b"".join(lines) + b"`\nend\n"


def test_x_uuencode_part_and_inline_uuencoded_block():
    payload = bytes(range(256)) * 3
    raw = raw_message(
        "From: a@b.org\nContent-Type: multipart/mixed; boundary=B",
        b"--B\nContent-Type: text/plain\n\nSee attached.\n\n"
        + uuencode("inline.doc", b"DOC" * 40)
        + b'\nRegards\n--B\nContent-Type: application/octet-stream; name="data.bin"\n'
        b"Content-Transfer-Encoding: x-uuencode\n\n" + uuencode("data.bin", payload) + b"--B--\n",
    )
    parsed = parse_message(raw)
    assert parsed.text == "See attached.\n\n\nRegards"
    by_name = {a.filename: a for a in parsed.attachments}
    assert by_name["inline.doc"].content == b"DOC" * 40
    assert by_name["inline.doc"].declared_type == "application/msword"
    assert by_name["data.bin"].content == payload


def test_broken_uuencode_line_is_recorded_and_decoding_goes_on():
    block = uuencode("x.bin", b"A" * 90).replace(b"\n", b"\nMthis line is not uuencoded\n", 2)
    parsed = parse_message(raw_message("From: a@b.org", b"text\n" + block))
    (att,) = parsed.attachments
    assert att.content.startswith(b"A" * 45)
    assert any("uuencode" in d for d in parsed.defects)


_HQX = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"


def binhex(name: bytes, data: bytes) -> bytes:
    """A BinHex 4.0 text (no run-length compression except the mandatory 0x90 escape)."""
    header = bytes([len(name)]) + name + b"\0" + b"TEXTttxt" + b"\0\0" + struct.pack(">II", len(data), 0)
    body = header + struct.pack(">H", binascii.crc_hqx(header, 0))
    body += data + struct.pack(">H", binascii.crc_hqx(data, 0)) + struct.pack(">H", 0)
    body = body.replace(b"\x90", b"\x90\x00")
    bits = "".join(f"{b:08b}" for b in body)
    bits += "0" * (-len(bits) % 6)
    chars = bytes(_HQX[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))
    lines = b"\n".join(chars[i : i + 64] for i in range(0, len(chars), 64))
    return b"(This file must be converted with BinHex 4.0)\n:" + lines + b":\n"


def test_binhex_decodes_and_broken_binhex_is_kept():
    data = b"Records \x90 schedule\n" * 20
    assert decode_binhex(binhex(b"schedule.txt", data)).data == data
    with pytest.raises(BinHexError):
        decode_binhex(b"no binhex here")

    raw = raw_message(
        "From: a@b.org\nContent-Type: multipart/mixed; boundary=B",
        b'--B\nContent-Type: application/mac-binhex40; name="schedule.txt.hqx"\n\n'
        + binhex(b"schedule.txt", data)
        + b'--B\nContent-Type: application/mac-binhex40; name="broken"\n\n'
        + b"(This file must be...)\nnothing\n--B--\n",
    )
    parsed = parse_message(raw)
    good, broken = parsed.attachments
    assert (good.filename, good.content, good.declared_type) == ("schedule.txt", data, "text/plain")
    assert broken.filename == "broken.hqx" and broken.declared_type == "application/mac-binhex40"
    assert any("BinHex" in d for d in parsed.defects)


def tnef_attribute(level: int, attr_id: int, attr_type: int, data: bytes) -> bytes:
    """One TNEF attribute: level, id, type, length, data, checksum."""
    return (
        struct.pack("<BHHI", level, attr_id, attr_type, len(data))
        + data
        + struct.pack("<H", sum(data) & 0xFFFF)
    )


def make_tnef(files: list[tuple[bytes, bytes]]) -> bytes:
    """A minimal winmail.dat holding the given (name, content) files."""
    blob = struct.pack("<IH", 0x223E9F78, 1)
    blob += tnef_attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x10000))
    for name, content in files:
        blob += tnef_attribute(2, 0x9002, 0x0006, b"\0" * 14)
        blob += tnef_attribute(2, 0x8010, 0x0001, name + b"\0")
        blob += tnef_attribute(2, 0x800F, 0x0006, content)
    return blob


def test_tnef_is_expanded_and_corrupt_tnef_kept():
    blob = make_tnef([(b"determination.pdf", b"%PDF-1.7 ..."), (b"fees.xlsx", b"PK\x03\x04 ...")])
    assert [(a.filename, a.content) for a in expand_tnef(blob)] == [
        ("determination.pdf", b"%PDF-1.7 ..."),
        ("fees.xlsx", b"PK\x03\x04 ..."),
    ]
    with pytest.raises(ValueError, match="TNEF"):
        expand_tnef(b"not tnef at all")

    msg = simple()
    msg.add_attachment(blob, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    msg.add_attachment(
        b"\x78\x9f\x3e\x22garbage", maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    msg.add_attachment(b"junk", maintype="application", subtype="octet-stream", filename="WINMAIL.DAT")
    parsed = parse_message(msg.as_bytes())
    assert [(a.filename, a.declared_type) for a in parsed.attachments] == [
        ("determination.pdf", "application/pdf"),
        ("fees.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("winmail.dat", "application/ms-tnef"),
        ("WINMAIL.DAT", "application/ms-tnef"),
    ]
    assert sum("TNEF" in d for d in parsed.defects) >= 2


# --- auto-replies and bounces --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "subject", "auto"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: request", True),
        ({"Auto-Submitted": "auto-generated"}, "Your request", True),
        ({"Auto-Submitted": "no"}, "Re: request", False),
        ({"X-Autoreply": "yes"}, "Re: request", True),
        ({"X-Autorespond": "1"}, "Re: request", True),
        ({"Precedence": "auto_reply"}, "Re: request", True),
        ({"Precedence": "bulk"}, "Newsletter", True),
        ({"Precedence": "junk"}, "x", True),
        ({}, "Out of Office: back Monday", True),
        ({}, "Automatic reply: FOIL request", True),
        ({}, "Re: records of out of office hours", False),
        ({}, "Re: your FOIL request", False),
    ],
)
def test_auto_replies(extra, subject, auto):
    parsed = parse_message(
        simple(subject=subject, **{k.replace("-", "_"): v for k, v in extra.items()}).as_bytes()
    )
    assert parsed.is_auto_reply is auto
    assert (parsed.auto_reply_reason is not None) is auto


def delivery_report(status: str = "5.1.1", action: str = "failed") -> bytes:
    """A standard multipart/report bounce for a message to records@agency.ny.gov."""
    return raw_message(
        "From: Mail Delivery System <MAILER-DAEMON@mx.campaign.org>\nTo: foil+ab1cd0ef@campaign.org\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=R",
        b"--R\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        b"--R\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.campaign.org\n\n"
        b"Final-Recipient: rfc822; Records@Agency.NY.gov\nAction: "
        + action.encode()
        + b"\nStatus: "
        + status.encode()
        + b"\nDiagnostic-Code: smtp; 550 "
        + status.encode()
        + b" user unknown\n"
        b"--R\nContent-Type: text/rfc822-headers\n\nMessage-ID: <sent-1@campaign.org>\nSubject: FOIL\n"
        b"--R--\n",
    )


def test_delivery_status_bounce_details():
    parsed = parse_message(delivery_report())
    assert parsed.is_bounce
    bounce = parsed.bounce
    assert bounce.recipients == ["records@agency.ny.gov"]
    assert (bounce.status, bounce.action, bounce.permanent) == ("5.1.1", "failed", True)
    assert "user unknown" in bounce.diagnostic
    delayed = parse_message(delivery_report("4.4.7", "delayed")).bounce
    assert not delayed.permanent


@pytest.mark.parametrize(
    ("sender", "subject", "bounce"),
    [
        ("MAILER-DAEMON@mx.example.org", "Mail delivery failed: returning message to sender", True),
        ("postmaster@agency.ny.gov", "Undeliverable: FOIL request", True),
        ("someone@agency.ny.gov", "Delivery Status Notification (Failure)", True),
        ("someone@agency.ny.gov", "Re: Undeliverable records?", False),
        ("foil@agency.ny.gov", "Your FOIL request", False),
    ],
)
def test_bounce_by_sender_and_subject(sender, subject, bounce):
    raw = raw_message(
        f"From: {sender}\nSubject: {subject}",
        b"This message could not be delivered to:\n\n  gone@agency.ny.gov\n",
    )
    parsed = parse_message(raw)
    assert parsed.is_bounce is bounce
    if bounce:
        assert parsed.bounce.recipients == ["gone@agency.ny.gov"]


# --- what is not an email, and what must never crash ---------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n\r\n ", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"\0" * 64, b"\n\nbody without headers"],
)
def test_not_an_email_raises_one_clear_error(raw):
    with pytest.raises(UnparseableEmail):
        parse_message(raw)


def test_wrong_input_type_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_message("From: a@b.org\n\nstr, not bytes")
    assert parse_message(bytearray(b"From: a@b.org\n\nx")).from_addr == "a@b.org"


def test_mutated_messages_never_raise():
    msg = simple(Cc="=?utf-8?q?J=C3=B6rg?= <j@x.de>")
    msg.add_alternative("<p>html</p>", subtype="html")
    msg.add_attachment(
        make_tnef([(b"a.pdf", b"%PDF")]), maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    msg.add_attachment(b"x" * 300, maintype="application", subtype="pdf", filename="r\xe9sum\xe9.pdf")
    seed = msg.as_bytes() + b"\n" + uuencode("u.bin", b"u" * 100)
    tokens = [
        b"\n",
        b"--",
        b"=?",
        b"?=",
        b"\r\n\r\n",
        b";",
        b'"',
        b"*0*=",
        b"\x1b$B",
        b"begin 644 x\n",
        b"\xff",
    ]
    rng = random.Random(2024)
    for _ in range(300):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 12)):
            pos = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.4:
                data[pos] = rng.randrange(256)
            elif roll < 0.7:
                del data[pos : pos + rng.randint(1, 80)]
            else:
                data[pos:pos] = rng.choice(tokens)
        try:
            parsed = parse_message(bytes(data))
        except UnparseableEmail:
            continue
        assert isinstance(parsed.text, str) and isinstance(parsed.subject, str)
        assert all(a.filename for a in parsed.attachments)


# --- helpers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ctype", "expected"),
    [
        ("report.pdf", "application/pdf", "report.pdf"),
        ("../../../etc/passwd", "text/plain", "passwd"),
        ("..\\..\\boot.ini", "text/plain", "boot.ini"),
        ("/abs/path/x.doc", "application/msword", "x.doc"),
        ("a\x00b\x07c\r\n.txt", "text/plain", "abc.txt"),
        ("evil\u202etxt.exe", "text/plain", "eviltxt.exe"),
        ('what?<is>:"this"|*.pdf', "application/pdf", "what__is___this___.pdf"),
        ("  ..  ", "application/pdf", "attachment-1.pdf"),
        ("..", "image/png", "attachment-1.png"),
        ("", "message/rfc822", "attachment-1.eml"),
        (None, "application/x-unknown-thing", "attachment-1.bin"),
        ("x" * 400 + ".pdf", "application/pdf", "x" * 196 + ".pdf"),
        ("\u6587" * 100 + ".pdf", "application/pdf", "\u6587" * 65 + ".pdf"),
    ],
)
def test_safe_filename(name, ctype, expected):
    assert safe_filename(name, ctype) == expected


def test_html_helpers_directly():
    assert html_to_text("<div>a<br>b</div><script>var x</script><ul><li>c</li></ul>") == "a\nb\n\nc"
    assert (
        sanitize_html('<form action="x"><input name=a></form><p style="background:url(http://t)">p</p>')
        == "<p>p</p>"
    )
