"""`kuzet agency …` as an operator runs it: add, list, show, set, disable, enable, rotate-key; audited, and a
secret is printed only when a key is issued. The demo registers the catalogue's four agencies on loopback."""

from __future__ import annotations

import re

from kuzet.container import Services
from kuzet.core.auth.credentials import SecretBox
from kuzet.demo.agencies import seed_demo_agencies
from kuzet.interagency import service
from tests.conftest import run_cli
from tests.interagency.registry import audit_rows

ISSUED = re.compile(r"agency=(\S+) direction=(\S+) key_id=(\S+) secret=(\S+)")


def test_an_operator_manages_an_agency_from_the_command_line(services: Services) -> None:
    added = run_cli(
        services,
        "agency",
        "add",
        "gas_104",
        "--endpoint",
        "http://127.0.0.1:18104/handover",
        "--phone",
        "104",
        "--format",
        "kuzet",
        "--ack",
        '{"1": 90, "2": 180, "3": 300, "4": 900}',
    )
    assert added.returncode == 0, added.stderr
    keys = {direction: (key_id, secret) for _, direction, key_id, secret in ISSUED.findall(added.stdout)}
    assert set(keys) == {"outbound", "inbound"}
    listed = service.get(services.uow(), code="gas_104")
    assert listed.agency.names["kk"] == "Авариялық газ қызметі 104"  # a known code gets its names
    assert listed.agency.ack_deadlines == {1: 90, 2: 180, 3: 300, 4: 900}
    assert {k.key_id for k in listed.keys} == {key_id for key_id, _ in keys.values()}

    changed = run_cli(
        services, "agency", "set", "gas_104", "--phone", "+7 7172 55 01 04", "--name-en", "Gas 104"
    )
    assert changed.returncode == 0, changed.stderr
    assert run_cli(services, "agency", "disable", "gas_104").returncode == 0
    shown = run_cli(services, "agency", "show", "gas_104")
    table = run_cli(services, "agency", "list")
    assert shown.returncode == 0 and table.returncode == 0
    assert "+7 7172 55 01 04" in shown.stdout and "Gas 104" in shown.stdout and "disabled" in shown.stdout
    assert (
        "gas_104" in table.stdout
        and "disabled" in table.stdout
        and "http://127.0.0.1:18104/handover" in table.stdout
    )
    for _, secret in keys.values():
        assert secret not in shown.stdout + table.stdout + shown.stderr + table.stderr
    assert "secret" not in shown.stdout + table.stdout

    assert run_cli(services, "agency", "enable", "gas_104").returncode == 0
    rotated = run_cli(
        services, "agency", "rotate-key", "gas_104", "--direction", "inbound", "--grace-hours", "1"
    )
    assert rotated.returncode == 0, rotated.stderr
    ((_, direction, new_id, new_secret),) = ISSUED.findall(rotated.stdout)
    assert direction == "inbound" and new_id not in {k for k, _ in keys.values()}
    assert new_secret not in {s for _, s in keys.values()}

    actions = [(r.action, r.actor) for r in audit_rows(services)]
    assert actions == [
        ("agency.create", "cli"),
        ("agency.update", "cli"),
        ("agency.disable", "cli"),
        ("agency.enable", "cli"),
        ("agency.rotate", "cli"),
    ]
    assert audit_rows(services)[1].detail == {"changed": ["contact_phone", "names"]}


def test_the_command_line_names_what_is_wrong(services: Services) -> None:
    bad = run_cli(
        services,
        "agency",
        "add",
        "water_109",
        "--endpoint",
        "ftp://x",
        "--phone",
        "109",
        "--name-ru",
        "Водоканал",
    )
    assert bad.returncode == 1
    assert "names.kk" in bad.stderr and "names.en" in bad.stderr and "endpoint_url" in bad.stderr
    missing = run_cli(services, "agency", "show", "water_109")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert service.all_agencies(services.uow()) == []
    assert audit_rows(services) == []


def test_the_demo_registers_the_four_agencies_on_loopback_once(services: Services) -> None:
    assert seed_demo_agencies(services) == ["fire_101", "ambulance_103", "gas_104", "emergency_112"]
    assert seed_demo_agencies(services) == []
    base = services.settings.demo_agency_port_base
    found = {listed.agency.code: listed for listed in service.all_agencies(services.uow())}
    assert found["ambulance_103"].agency.endpoint_url == f"http://127.0.0.1:{base + 103}/handover"
    assert found["gas_104"].agency.formats == {"kuzet"} and found["fire_101"].agency.formats == {"eido"}
    assert {listed.agency.contact_phone for listed in found.values()} == {"101", "103", "104", "112"}
    assert all(len(listed.keys) == 2 and listed.agency.enabled for listed in found.values())
    # The simulator checks our signatures with our key, read (sealed) from this database.
    key = service.outbound_key(
        services.uow(), SecretBox(services.settings.secret_key), code="fire_101", at=services.clock.now()
    )
    assert key is not None and key.agency_code == "fire_101"
