"""La primera orden del README (`make lab`) sirve las lecciones en /lab."""

from __future__ import annotations

import json
import urllib.request

from lab_server import ROOT, running_lab


def test_make_lab_serves_the_lessons():
    with running_lab() as (base, token):
        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=10) as response:
            assert response.status == 200
            assert "JupyterLab" in response.read().decode("utf-8")
        with urllib.request.urlopen(f"{base}/api/contents?token={token}", timeout=10) as response:
            names = {item["name"] for item in json.load(response)["content"]}
        expected = {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}
        assert expected and expected <= names
