"""Documents over `cortexbuild local serve`: uploads larger than the JSON body cap stream through, downloads
stream back whole, and the tier's limit is still a clean 413."""

from __future__ import annotations

import hashlib
import os

import pytest

from cortexbuild_sdk import APIStatusError, CortexBuild

from .conftest import Server


def test_a_3_mib_drawing_uploads_and_downloads_intact_over_http(server: Server) -> None:
    content = os.urandom(3 * 1024 * 1024 + 17)
    with CortexBuild(api_key=server.owner_key, base_url=server.url, max_retries=0) as client:
        project = client.projects.create(name="Harbor View")
        doc = client.documents.create(project_id=project.id, name="Scan", file=content, filename="scan.bin")
        assert doc.file_size == len(content) and doc.sha256 == hashlib.sha256(content).hexdigest()
        version = client.documents.create_version(doc.id, file=content[::-1], filename="scan.bin")
        assert version.version == 2
        downloaded = client.documents.download(doc.id)
        assert downloaded.content == content
        with pytest.raises(APIStatusError) as refused:  # past the free tier's 10 MiB: refused while streaming
            client.documents.create(project_id=project.id, name="Big", file=bytes(11 * 1024 * 1024))
        assert refused.value.status_code == 413
        assert client.documents.list(project_id=project.id).page_info.total == 2
