"""`kuzet import-cad`, run as an operator would: the report, dry run, and clean errors without a traceback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.container import Services
from tests.conftest import run_cli

DATA = Path(__file__).with_name("cad_data")
EXPORT, MAPPING = str(DATA / "tsou_2025.csv"), str(DATA / "tsou_2025.toml")


def rows_in(services: Services, table: object) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_import_cad_prints_the_report_and_stores_the_import(services: Services) -> None:
    done = run_cli(services, "import-cad", EXPORT, "--mapping", MAPPING)
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    for expected in (
        "records read │ 18",
        "imported │ 13",
        "rejected │ 4",
        "duplicates in the file │ 1",
        "warnings │ 6",
    ):
        assert expected in out, done.stdout
    assert "line 7: received_at: missing" in out
    assert "line 8: first_on_scene_at: unreadable time «32.05.2025 18:06:00»" in out
    assert "unknown channel: «Телеграм» × 1" in out
    assert "missing first_on_scene_at: «NOT CAPTURED» × 1" in out
    assert "stored as import #" in out
    assert rows_in(services, imported_incidents) == 13 and rows_in(services, cad_imports) == 1


def test_a_dry_run_reports_and_writes_nothing(services: Services) -> None:
    done = run_cli(services, "import-cad", EXPORT, "--mapping", MAPPING, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "would be imported │ 13" in " ".join(done.stdout.split())
    assert "dry run: nothing was written" in done.stdout
    assert rows_in(services, imported_incidents) == 0 and rows_in(services, cad_imports) == 0


def test_a_bad_mapping_names_its_keys_and_writes_nothing(services: Services, tmp_path: Path) -> None:
    mapping = tmp_path / "bad.toml"
    text = Path(MAPPING).read_text(encoding="utf-8")
    text = text.replace('number = "Номер КУИ"', 'response = "Реагирование"')
    text = text.replace('"Кража" = "theft"', '"Кража" = "theft_of_goods"')
    mapping.write_text(text, encoding="utf-8")
    done = run_cli(services, "import-cad", EXPORT, "--mapping", str(mapping))
    assert done.returncode == 1
    assert "fields.response: unknown key" in done.stderr
    assert "fields.number: missing: this field is required" in done.stderr
    assert "values.category.Кража: 'theft_of_goods' is not one of our category codes" in " ".join(
        done.stderr.split()
    )
    assert "Traceback" not in done.stderr
    assert rows_in(services, cad_imports) == 0


def test_a_mapped_column_missing_from_the_file_is_named(services: Services, tmp_path: Path) -> None:
    mapping = tmp_path / "renamed.toml"
    mapping.write_text(
        Path(MAPPING).read_text(encoding="utf-8").replace('"Поступило"', '"Создано"'), encoding="utf-8"
    )
    done = run_cli(services, "import-cad", EXPORT, "--mapping", str(mapping))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "fields.received_at: column 'Создано' is not in the file's header" in done.stderr


def test_a_missing_file_or_mapping_is_a_clean_error(services: Services, tmp_path: Path) -> None:
    absent = run_cli(services, "import-cad", str(tmp_path / "absent.csv"), "--mapping", MAPPING)
    assert absent.returncode == 1 and "no such file" in absent.stderr and "Traceback" not in absent.stderr
    no_mapping = run_cli(services, "import-cad", EXPORT, "--mapping", str(tmp_path / "absent.toml"))
    assert no_mapping.returncode == 1 and "cannot read" in no_mapping.stderr
    assert "Traceback" not in no_mapping.stderr


def test_an_unreadable_encoding_is_a_clean_error(services: Services, tmp_path: Path) -> None:
    mapping = tmp_path / "utf8.toml"
    text = (DATA / "duty_desk_cp1251.toml").read_text(encoding="utf-8").replace('"cp1251"', '"utf-8"')
    mapping.write_text(text, encoding="utf-8")
    done = run_cli(services, "import-cad", str(DATA / "duty_desk_cp1251.csv"), "--mapping", str(mapping))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not readable as utf-8" in done.stderr and "csv.encoding" in done.stderr
    assert rows_in(services, cad_imports) == 0
