"""`kuzet cctv import` and `kuzet cctv list`, run as an integrator would: valid rows stored, each broken row
reported (row, field, reason) and none of it stored; a dry run stores nothing; an unreadable file, nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kuzet.cctv.store import cameras
from kuzet.container import Services
from tests.conftest import run_cli

HEADER = "camera_id,lat,lon,mount_height_m,heading_deg,fov_deg,range_m,type,owner,retention_days\n"
ROWS = (
    "CAM-1,42.507,1.521,5,10,90,60,street,Akimat,30\n"
    "CAM-2,42.507,1.521,5,10,0,60,street,Akimat,30\n"  # FOV 0
    "CAM-3,42.508,1.522,5,10,360,45,traffic,Police,90\n"
    "CAM-4,42.508,1.522,5,10,90,60,bus_stop,Akimat,30\n"  # unknown type
)


def stored(services: Services) -> list[str]:
    with services.engine.connect() as connection:
        return sorted(connection.scalars(select(cameras.c.camera_id)))


def test_import_stores_the_valid_rows_and_reports_the_broken_ones(services: Services, tmp_path: Path) -> None:
    file = tmp_path / "cameras.csv"
    file.write_text(HEADER + ROWS, encoding="utf-8")
    dry = run_cli(services, "cctv", "import", str(file), "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert "would store 2" in dry.stdout and stored(services) == []
    done = run_cli(services, "cctv", "import", str(file))
    assert done.returncode == 1, done.stderr
    assert "row 3: CAM-2: fov_deg:" in done.stdout and "row 5: CAM-4: type:" in done.stdout
    assert "4 rows read, stored 2, rejected 2" in done.stdout
    assert stored(services) == ["CAM-1", "CAM-3"]
    listed = run_cli(services, "cctv", "list")
    assert listed.returncode == 0 and "CAM-3" in listed.stdout and "traffic" in listed.stdout


def test_a_clean_file_exits_zero_and_an_unreadable_one_stores_nothing(
    services: Services, tmp_path: Path
) -> None:
    clean = tmp_path / "clean.csv"
    clean.write_text(HEADER + ROWS.splitlines(keepends=True)[0], encoding="utf-8")
    assert run_cli(services, "cctv", "import", str(clean)).returncode == 0
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"camera_id,lat\n\xff\xfe,1\n")
    done = run_cli(services, "cctv", "import", str(broken))
    assert done.returncode == 2 and "file" in done.stderr and "Traceback" not in done.stderr
    assert stored(services) == ["CAM-1"]
