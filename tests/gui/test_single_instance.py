"""The single-instance guard: a second launch hands its paths to the first over a local socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QLockFile
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QWidget

from tokenworth.ui.single_instance import MAX_SOCKET_PATH, SingleInstance, instance_key


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own runtime folder, so no test meets another's lock or socket."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))


@pytest.fixture
def guards(qapp):
    """Guards made by a test; all are closed at its end."""
    made: list[SingleInstance] = []
    yield made
    for guard in made:
        guard.close()


# The offscreen platform of the tests has no window stack to raise a window in.
RAISE_WARNING = pytest.mark.qt_log_ignore("This plugin does not support raise")


@RAISE_WARNING
def test_second_launch_delivers_paths_and_raises_window(
    qtbot, guards, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = SingleInstance(data_dir)
    guards.append(first)
    assert first.start([]) is True
    assert first.is_primary
    window = QWidget()
    qtbot.addWidget(window)
    first.set_window(window)
    assert not window.isVisible()

    monkeypatch.chdir(tmp_path)
    second = SingleInstance(data_dir, timeout_ms=5000)
    guards.append(second)
    wanted = ["logs/session.jsonl", str(tmp_path / "other folder" / "x.jsonl")]
    with qtbot.waitSignal(first.files_received, timeout=5000) as blocker:
        assert second.start(wanted) is False  # delivered: the second launch should exit
    assert not second.is_primary
    # Relative paths arrive absolute, resolved against the second launch's folder.
    assert blocker.args == [[str(tmp_path / "logs" / "session.jsonl"), wanted[1]]]
    assert window.isVisible()


@RAISE_WARNING
def test_second_launch_without_paths_only_raises_window(qtbot, guards, data_dir: Path) -> None:
    first = SingleInstance(data_dir)
    guards.append(first)
    assert first.start()
    window = QWidget()
    qtbot.addWidget(window)
    first.set_window(window)
    received: list[list[str]] = []
    first.files_received.connect(received.append)

    second = SingleInstance(data_dir)
    guards.append(second)
    assert second.start() is False
    assert window.isVisible()
    assert received == []


def test_other_folders_and_users_get_their_own_instance(guards, tmp_path: Path) -> None:
    a = SingleInstance(tmp_path / "one")
    b = SingleInstance(tmp_path / "two")
    c = SingleInstance(tmp_path / "one", user="someone-else")
    guards.extend([a, b, c])
    assert a.start() and b.start() and c.start()
    assert a.is_primary and b.is_primary and c.is_primary
    assert len({a.server_name, b.server_name, c.server_name}) == 3


def test_instance_key_is_stable_per_user_and_folder(tmp_path: Path) -> None:
    key = instance_key(tmp_path / "j", "ann")
    assert key == instance_key(str(tmp_path / "x" / ".." / "j"), "ann")
    assert key != instance_key(tmp_path / "j", "bob")
    assert key != instance_key(tmp_path / "k", "ann")
    assert key.startswith("tokenworth-") and len(key) == len("tokenworth-") + 16


def test_server_lives_in_the_private_runtime_folder(guards, data_dir: Path) -> None:
    guard = SingleInstance(data_dir)
    guards.append(guard)
    assert guard.start()
    if os.name != "posix":
        pytest.skip("named pipes have no file")
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    sock = Path(guard.server_name)
    assert sock.parent == runtime and sock.exists()
    assert guard.lock_path.parent == runtime and guard.lock_path.exists()
    # UserAccessOption: only the owner may connect.
    assert sock.stat().st_mode & 0o077 == 0


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets leave a file behind; pipes do not")
def test_socket_left_by_a_crash_is_replaced(qtbot, guards, data_dir: Path) -> None:
    guard = SingleInstance(data_dir)
    guards.append(guard)
    # A crashed instance leaves its socket file, with nobody listening.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(guard.server_name)
    stale.close()
    assert Path(guard.server_name).exists()

    assert guard.start() is True
    assert guard.is_primary
    later = SingleInstance(data_dir)
    guards.append(later)
    with qtbot.waitSignal(guard.files_received, timeout=5000) as blocker:
        assert later.start(["/tmp/a.jsonl"]) is False
    assert blocker.args == [["/tmp/a.jsonl"]]


def test_lock_of_a_dead_process_is_taken_over(guards, data_dir: Path) -> None:
    guard = SingleInstance(data_dir)
    guards.append(guard)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(dead.stdout)
    guard.lock_path.write_text(f"{pid}\npython3\n{socket.gethostname()}\n")
    assert guard.start() is True
    assert guard.is_primary
    assert guard.lock_path.read_text().split("\n")[0] == str(os.getpid())


def test_holder_that_does_not_answer_times_out(guards, data_dir: Path) -> None:
    guard = SingleInstance(data_dir, timeout_ms=400)
    guards.append(guard)
    # A live process (this one) holds the lock but never listens: a hung first instance.
    holder = QLockFile(str(guard.lock_path))
    assert holder.tryLock(0)
    try:
        began = time.monotonic()
        assert guard.start(["/tmp/a.jsonl"]) is True  # starts on its own
        elapsed = time.monotonic() - began
    finally:
        holder.unlock()
    assert not guard.is_primary
    assert 0.35 <= elapsed < 3


def test_malformed_message_is_ignored_and_the_server_keeps_working(
    qtbot, guards, data_dir: Path
) -> None:
    first = SingleInstance(data_dir)
    guards.append(first)
    assert first.start()
    received: list[list[str]] = []
    first.files_received.connect(received.append)

    client = QLocalSocket()
    client.connectToServer(first.server_name)
    qtbot.waitUntil(lambda: client.state() == QLocalSocket.LocalSocketState.ConnectedState)
    with qtbot.waitSignal(client.disconnected, timeout=5000):  # hung up without an answer
        client.write(QByteArray(b'{"paths": "not a list"}\n'))
    assert bytes(client.readAll().data()) == b""
    assert received == []

    second = SingleInstance(data_dir)
    guards.append(second)
    with qtbot.waitSignal(first.files_received, timeout=5000) as blocker:
        assert second.start(["/tmp/b.jsonl"]) is False
    assert blocker.args == [["/tmp/b.jsonl"]]


def test_closing_releases_the_name_for_the_next_launch(guards, data_dir: Path) -> None:
    first = SingleInstance(data_dir)
    assert first.start()
    first.close()
    assert not first.is_primary
    nxt = SingleInstance(data_dir)
    guards.append(nxt)
    assert nxt.start() is True
    assert nxt.is_primary


def test_flatpak_instances_meet_in_the_shared_app_folder(
    guards, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    shared = runtime / "app" / "io.github.tokenworth.Tokenworth"
    shared.mkdir(parents=True)
    monkeypatch.setenv("FLATPAK_ID", "io.github.tokenworth.Tokenworth")
    guard = SingleInstance(data_dir)
    guards.append(guard)
    assert guard.lock_path.parent == shared
    socket_path = shared / f"{guard.key}.sock"
    if os.name == "posix" and len(str(socket_path)) <= MAX_SOCKET_PATH:
        assert guard.server_name == str(socket_path)
    else:  # too long for a Unix socket (pytest's deep temp folders): a name in the temp dir
        assert guard.server_name == guard.key
