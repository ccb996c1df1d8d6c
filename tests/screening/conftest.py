from __future__ import annotations

import pytest

HEADER = (
    "record_id,last_name,first_name,middle_name,suffix,aliases,date_of_birth,sex,jurisdiction,"
    "source_url\n"
)


@pytest.fixture
def registry_file(tmp_path):
    """Write a registry CSV (the header plus ``rows``, each a line of text) and give its path."""
    count = 0

    def write(*rows: str, header: str = HEADER, name: str | None = None, raw: bytes | None = None):
        nonlocal count
        count += 1
        path = tmp_path / (name or f"registry{count}.csv")
        if raw is not None:
            path.write_bytes(raw)
        else:
            path.write_text(header + "".join(f"{row}\n" for row in rows), encoding="utf-8")
        return path

    return write


TX_ROWS = (
    'tx-1,Smith,William,James,Jr,"Bill Smith;Smith, Billy J",1975-03-14,M,TX,'
    "https://sor.example.org/tx/1",
    'tx-2,García-López,José,,,"Pepe Garcia",1980-07-04,M,TX,',
    "tx-3,De La Cruz,Maria,,,,1990-11-02,F,TX,",
)
CA_ROWS = (
    "ca-1,Nguyen,Anh,,,,1969-01-30,M,CA,https://sor.example.org/ca/1",
    "ca-2,O'Brien,Sean,Patrick,,,1988-12-05,M,CA,",
)
