"""Sample documents for sandboxes: small but real files (a valid PDF, a PNG, a CSV) generated in code.

:func:`seed_sample_documents` stores them in the database's file store and inserts their rows, a drawing in two
versions included, so a sandbox's documents download as files any viewer opens. Deterministic: the same
projects, company and clock give byte-identical files and rows (that is what ``reset`` restores).
"""

from __future__ import annotations

import sqlite3
import struct
import zlib
from collections.abc import Sequence
from typing import Any

from .files import FileStore, store_of

__all__ = ["seed_sample_documents", "tiny_pdf", "tiny_png"]

_DAY_MS = 86_400_000


def tiny_pdf(*lines: str) -> bytes:
    """A one-page PDF 1.4 showing ``lines`` in Helvetica, with a correct cross-reference table."""

    def literal(line: str) -> str:
        safe = line.encode("latin-1", "replace").decode("latin-1")
        return "(" + safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    text = " ".join(f"{literal(line)} Tj 0 -24 Td" for line in lines)
    content = f"BT /F1 16 Tf 72 720 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def tiny_png(width: int = 32, height: int = 24, seed: int = 0) -> bytes:
    """An RGB PNG with a gradient (varied by ``seed``): signature, IHDR, IDAT, IEND with their CRCs."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(((x * 8 + seed * 40) % 256, (y * 10) % 256, (120 + seed * 70) % 256))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _insert(
    conn: sqlite3.Connection,
    store: FileStore,
    data: bytes,
    *,
    account_id: int,
    company_id: str,
    project_id: int,
    name: str,
    file_name: str,
    file_type: str,
    category: str,
    created_at: int,
    version: int = 1,
    parent_document_id: int | None = None,
    description: str | None = None,
) -> int:
    sha256, size = store.put_bytes(data)  # inside the caller's write transaction, as files.py requires
    cur = conn.execute(
        "INSERT INTO documents (account_id, company_id, project_id, name, description, file_name, file_size,"
        " file_type, category, is_public, version, parent_document_id, sha256, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        (
            account_id, company_id, project_id, name, description, file_name, size, file_type, category,
            version, parent_document_id, sha256, created_at, created_at,
        ),
    )  # fmt: skip
    assert cur.lastrowid is not None
    return cur.lastrowid


def seed_sample_documents(
    conn: sqlite3.Connection,
    *,
    account_id: int,
    company_id: str,
    company_name: str,
    project_ids: Sequence[int],
    now_ms: int,
    store: FileStore | None = None,
) -> list[int]:
    """For each of the first three ``project_ids``: a site plan PDF in two versions, a progress photo (PNG)
    and a weekly report (CSV). Runs in the caller's write transaction; ``store`` defaults to the one beside
    ``conn``'s database. Returns the new document ids."""
    store = store if store is not None else store_of(conn)
    ids: list[int] = []
    for n, project_id in enumerate(project_ids[:3]):
        common: dict[str, Any] = {"account_id": account_id, "company_id": company_id, "project_id": project_id}
        day = now_ms - (30 - n) * _DAY_MS
        first = _insert(
            conn, store, tiny_pdf(company_name, f"Project {project_id}: site plan", "Revision A"),
            name="Site plan", file_name="site-plan.pdf", file_type="application/pdf", category="drawing",
            created_at=day, description="General arrangement, ground floor", **common,
        )  # fmt: skip
        second = _insert(
            conn, store, tiny_pdf(company_name, f"Project {project_id}: site plan", "Revision B"),
            name="Site plan", file_name="site-plan.pdf", file_type="application/pdf", category="drawing",
            created_at=day + 7 * _DAY_MS, version=2, parent_document_id=first,
            description="General arrangement, ground floor (revised drainage)", **common,
        )  # fmt: skip
        photo = _insert(
            conn, store, tiny_png(seed=n), name="North elevation progress photo", file_name="north-elevation.png",
            file_type="image/png", category="photo", created_at=day + 9 * _DAY_MS, **common,
        )  # fmt: skip
        report_csv = (
            "week,labour_hours,deliveries,incidents\n"
            f"1,{320 + 10 * n},4,0\n2,{356 + 10 * n},6,0\n3,{298 + 10 * n},3,1\n"
        ).encode()
        report = _insert(
            conn, store, report_csv, name="Weekly progress report", file_name="weekly-report.csv",
            file_type="text/csv", category="report", created_at=day + 12 * _DAY_MS, **common,
        )  # fmt: skip
        ids += [first, second, photo, report]
    return ids
