"""Partner media and camera pictures kept outside the data folder (KUZET_MEDIA_DIR, KUZET_CAMERA_IMAGES_DIR,
storage several hosts share): by default in the data folder; backed up under their own prefixes when kept
elsewhere, and restored into the folders the target configures, on the run's back end."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from kuzet.app import create_app
from kuzet.config import Settings
from kuzet.container import Services
from kuzet.operations.backup import default_names, take_backup
from kuzet.operations.domain import CAMERA_IMAGES, DATA, MEDIA, place_of
from kuzet.operations.restore import restore_backup
from tests.conftest import running_server
from tests.operations.backup_helpers import JPEG, empty_target, make_data
from tests.ops import Centre
from tests.partners.fixtures import App

PICTURE = b"\xff\xd8\xff\xdb" + b"\x07" * 200  # a camera's frame, as kept by its hash


def test_the_media_and_camera_pictures_default_to_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUZET_MEDIA_DIR", raising=False)
    monkeypatch.delenv("KUZET_CAMERA_IMAGES_DIR", raising=False)
    monkeypatch.setenv("KUZET_DATA_DIR", str(tmp_path / "data"))
    default = Settings(_env_file=None)
    assert default.media_folder == tmp_path / "data" / "media"
    assert default.camera_images_folder == tmp_path / "data" / "cctv-events"

    monkeypatch.setenv("KUZET_MEDIA_DIR", str(tmp_path / "nfs" / "media"))
    monkeypatch.setenv("KUZET_CAMERA_IMAGES_DIR", str(tmp_path / "nfs" / "pictures"))
    moved = Settings(_env_file=None)
    assert moved.media_folder == tmp_path / "nfs" / "media"
    assert moved.camera_images_folder == tmp_path / "nfs" / "pictures"


@pytest.mark.parametrize(
    ("path", "place"),
    [
        ("data/roads.npz", (DATA, "roads.npz")),
        ("data/media/ab/abcd", (MEDIA, "ab/abcd")),  # taken before the folder moved: goes where it is now
        ("data/cctv-events/cd/cdef", (CAMERA_IMAGES, "cd/cdef")),
        ("data/audit/media", (DATA, "audit/media")),
        ("media/ab/abcd", (MEDIA, "ab/abcd")),
        ("camera-images/cd/cdef", (CAMERA_IMAGES, "cd/cdef")),
        ("database/kuzet.db", None),
        ("audit-checkpoints.jsonl", None),
        ("media", None),
    ],
)
def test_each_backed_up_file_goes_back_to_its_folder(path: str, place: tuple[str, str] | None) -> None:
    assert place_of(path, default_names()) == place


def _keep_picture(folder: Path) -> str:
    digest = hashlib.sha256(PICTURE).hexdigest()
    (folder / digest[:2]).mkdir(parents=True, exist_ok=True)
    (folder / digest[:2] / digest).write_bytes(PICTURE)
    return f"{digest[:2]}/{digest}"


def test_media_kept_outside_the_data_folder_are_backed_up_and_restored_into_the_configured_folders(
    centre: Centre, kaspi: App, services: Services, tmp_path: Path
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    photo = f"{made.photo['sha256'][:2]}/{made.photo['sha256']}"
    # The host's data folder is its own; the media (where the server stored the photo) and the camera
    # pictures are outside it, as on shared storage.
    host = made.settings.model_copy(
        update={
            "data_dir": tmp_path / "host-data",
            "media_dir": services.settings.media_folder,
            "camera_images_dir": tmp_path / "shared" / "cctv-events",
        }
    )
    (tmp_path / "host-data").mkdir()
    (tmp_path / "host-data" / "roads.npz").write_bytes(b"roads")
    picture = _keep_picture(host.camera_images_folder)

    backup = take_backup(host, to=tmp_path / "backups", at=services.clock.now())
    listed = {f["path"] for f in backup.manifest["files"]}
    assert {f"{MEDIA}/{photo}", f"{CAMERA_IMAGES}/{picture}", f"{DATA}/roads.npz"} <= listed
    assert not any(p.startswith((f"{DATA}/media/", f"{DATA}/cctv-events/")) for p in listed)
    moved = sum(1 for p in listed if p.startswith((MEDIA + "/", CAMERA_IMAGES + "/")))
    assert backup.manifest["moved_files"] == moved >= 2 and backup.manifest["data_files"] == 1

    with empty_target(host, tmp_path / "elsewhere") as target:
        target = target.model_copy(
            update={
                "media_dir": tmp_path / "new-share" / "media",
                "camera_images_dir": tmp_path / "new-share" / "pictures",
            }
        )
        restored = restore_backup(target, backup.folder)
        assert restored.data_files == moved + 1
        assert (target.media_folder / photo).read_bytes() == JPEG
        assert (target.camera_images_folder / picture).read_bytes() == PICTURE
        assert (target.data_dir / "roads.npz").read_bytes() == b"roads"
        assert not (target.data_dir / "media").exists() and not (target.data_dir / "cctv-events").exists()

        # A server on the restored database opens the photo from the new media folder, to the same session.
        restored_services = Services.build(target)
        try:
            with running_server(create_app(target, services=restored_services)) as url:
                opened = httpx.get(
                    f"{url}/api/v1/media/{made.photo['id']}", headers=centre.dispatcher.headers, timeout=30
                )
        finally:
            restored_services.close()
        assert opened.status_code == 200, opened.text
        assert opened.content == JPEG


def test_a_backup_taken_with_the_media_in_the_data_folder_restores_into_a_moved_media_folder(
    centre: Centre, kaspi: App, services: Services, tmp_path: Path
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    photo = f"{made.photo['sha256'][:2]}/{made.photo['sha256']}"
    backup = take_backup(made.settings, to=tmp_path / "backups", at=services.clock.now())
    assert f"{DATA}/media/{photo}" in {f["path"] for f in backup.manifest["files"]}
    assert backup.manifest["moved_files"] == 0

    with empty_target(made.settings, tmp_path / "elsewhere") as target:
        target = target.model_copy(update={"media_dir": tmp_path / "nfs" / "media"})
        restore_backup(target, backup.folder)
        assert (tmp_path / "nfs" / "media" / photo).read_bytes() == JPEG
        assert not (target.data_dir / "media").exists()
