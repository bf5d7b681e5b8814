"""The streamed reader of uploaded files: row numbers, progress offsets and unreadable rows."""

from pathlib import Path

from shared.imports.reader import read_rows


def test_csv_rows_keep_quoted_commas_and_newlines_skip_blank_lines_and_tolerate_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    content = '\ufeffNIP , Name,email\n1,"Siti, S.Kom",\n\n2,"two\nlines",b@x.id\n3,too,many,fields\n'.encode()
    path.write_bytes(content)
    rows = list(read_rows(path, "csv"))
    assert [(r.number, r.fields, r.error) for r in rows] == [
        (1, {"nip": "1", "name": "Siti, S.Kom"}, None),
        (2, {"nip": "2", "name": "two\nlines", "email": "b@x.id"}, None),
        (3, None, "the row has 4 fields, the header 3"),
    ]
    assert rows[-1].end_offset == len(content)
    assert rows[0].end_offset < rows[1].end_offset < rows[2].end_offset


def test_an_undecodable_csv_row_is_rejected_alone(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(b"nip,name\n1,ok\n2,\xff\xfe\n3,fine\n")
    assert [(r.number, r.error) for r in read_rows(path, "csv")] == [
        (1, None), (2, "the row is not valid UTF-8"), (3, None)]


def test_ndjson_rows_drop_nulls_and_report_lines_that_are_not_objects(tmp_path: Path) -> None:
    path = tmp_path / "rows.ndjson"
    path.write_bytes(b'{"nip": "1", "email": null}\n\n[1, 2]\n{broken\n{"nip": "4"}\n')
    rows = list(read_rows(path, "ndjson"))
    assert [(r.number, r.fields) for r in rows] == [(1, {"nip": "1"}), (2, None), (3, None), (4, {"nip": "4"})]
    assert rows[1].error == "a line must hold one JSON object"
    assert rows[2].error is not None and rows[2].error.startswith("not valid JSON")
