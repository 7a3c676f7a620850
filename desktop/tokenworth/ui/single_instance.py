"""One window per journal: a second launch hands its files to the running one (local socket)."""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QDir, QEventLoop, QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_MS = 3000
# A request is one line of JSON; anything longer is not from Tokenworth.
MAX_MESSAGE = 1 << 20
ACK = b"ok\n"
# Unix socket paths are limited to 104 (macOS) or 108 (Linux) bytes.
MAX_SOCKET_PATH = 100
RETRY_MS = 50
_UNCONNECTED = QLocalSocket.LocalSocketState.UnconnectedState


def _user_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): the uid still separates users
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def instance_key(data_dir: Path | str, user: str | None = None) -> str:
    """A short name for one user's journal folder: ``tokenworth-<16 hex digits>``.

    Args:
        data_dir: The journal's folder (need not exist yet).
        user: The user name (default: the login name).

    Returns:
        The same text for the same user and folder, however the folder was spelled.
    """
    folder = os.path.normcase(os.path.realpath(os.path.expanduser(os.fspath(data_dir))))
    text = f"{user if user is not None else _user_name()}\0{folder}"
    return "tokenworth-" + hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _runtime_dir() -> Path:
    """A per-user folder for the lock and socket: XDG_RUNTIME_DIR (0700), else the temp dir."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if os.name == "posix" and runtime and os.path.isdir(runtime):
        # Inside a Flatpak each instance has its own runtime dir; only this subfolder is
        # shared by all instances of the app.
        app_id = os.environ.get("FLATPAK_ID")
        shared = Path(runtime, "app", app_id) if app_id else None
        return shared if shared is not None and shared.is_dir() else Path(runtime)
    return Path(QDir.tempPath())


class SingleInstance(QObject):
    """Makes the first launch per user and journal folder the only one.

    The first process takes a lock file and listens on a local socket (a Unix socket in
    the user's runtime folder, a named pipe on Windows; never the network). A later
    process finds the lock taken, connects and sends its command-line paths; the first
    one emits ``files_received`` and brings its window forward, and the later one exits.

    Stale state is handled: a lock file whose process is gone is taken over (QLockFile
    checks the process id), a socket left by a crashed process is removed with
    ``QLocalServer.removeServer``, and when the lock's holder does not answer within
    ``timeout_ms`` the new process starts on its own instead of waiting forever.

    Call :meth:`start` after the QApplication exists. The later process blocks while it
    talks to the first, so the two must not share a thread (they never do outside tests).

    Args:
        data_dir: The journal's folder: one instance per folder.
        user: The user name the socket name is derived from (default: the login name).
        timeout_ms: How long a later launch tries to reach the first one.
        parent: The owning QObject.
    """

    files_received = Signal(list)

    def __init__(
        self,
        data_dir: Path | str,
        *,
        user: str | None = None,
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = instance_key(data_dir, user)
        self.timeout_ms = timeout_ms
        folder = _runtime_dir()
        self.lock_path = folder / f"{self.key}.lock"
        socket_path = folder / f"{self.key}.sock"
        # On POSIX a full path puts the socket in the private runtime folder; a bare name
        # is a named pipe on Windows (or a socket in the temp dir when the path is long).
        use_path = os.name == "posix" and len(os.fsencode(socket_path)) <= MAX_SOCKET_PATH
        self.server_name = str(socket_path) if use_path else self.key
        self._lock = QLockFile(str(self.lock_path))
        self._lock.setStaleLockTime(0)  # stale only when the holding process is gone
        self._server: QLocalServer | None = None
        self._window: QWidget | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}

    @property
    def is_primary(self) -> bool:
        """True when this process holds the lock and listens for later launches."""
        return self._server is not None and self._server.isListening()

    def set_window(self, window: QWidget | None) -> None:
        """The window to bring forward when a later launch arrives."""
        self._window = window

    def start(self, paths: Sequence[str | os.PathLike[str]] = ()) -> bool:
        """Become the running instance, or hand ``paths`` to the one already running.

        Args:
            paths: Files and folders named on the command line (relative to this process's
                working folder; they are sent as absolute paths).

        Returns:
            True when this process should go on and open its window (it is the first, or
            the first does not answer); False when the running instance took the paths and
            this process should exit.
        """
        if self._lock.tryLock(0):
            self._listen()
            return True
        if self._send([os.path.abspath(os.fspath(p)) for p in paths]):
            return False
        log.warning(
            "Another Tokenworth holds %s but did not answer within %d ms; starting anyway.",
            self.lock_path,
            self.timeout_ms,
        )
        return True

    def close(self) -> None:
        """Stop listening and release the lock (also done when the process ends)."""
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()
        if self._lock.isLocked():
            self._lock.unlock()

    # The first instance -----------------------------------------------------------------

    def _listen(self) -> None:
        # We hold the lock, so whatever socket exists under our name was left by a
        # process that died: remove it, or listen() fails with AddressInUseError.
        QLocalServer.removeServer(self.server_name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.setMaxPendingConnections(8)
        server.newConnection.connect(self._accept)
        if not server.listen(self.server_name):
            log.warning(
                "Cannot listen on %s (%s); a second launch will open a second window.",
                self.server_name,
                server.errorString(),
            )
            server.deleteLater()
            return
        self._server = server

    def _accept(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            if socket is None:
                break
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            # A client that connects and never finishes its line is dropped.
            QTimer.singleShot(self.timeout_ms, socket, socket.abort)

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE:
                log.warning("Dropped an oversized message on %s.", self.server_name)
                self._buffers.pop(socket, None)
                socket.abort()
            else:
                self._buffers[socket] = data
            return
        self._buffers.pop(socket, None)
        line = data.split(b"\n", 1)[0]
        try:
            message = json.loads(line)
            paths = message["paths"]
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise TypeError("paths must be a list of strings")
        except (ValueError, KeyError, TypeError) as err:
            log.warning("Ignored a malformed message on %s: %s", self.server_name, err)
            socket.abort()
            return
        socket.write(QByteArray(ACK))
        socket.flush()
        socket.disconnectFromServer()
        self._bring_forward(message.get("activation_token"))
        if paths:
            self.files_received.emit(paths)

    def _bring_forward(self, token: object) -> None:
        window = self._window
        if window is None:
            return
        if isinstance(token, str) and token:
            # Wayland only lets a window take focus with the launcher's activation token;
            # Qt's Wayland plugin reads it from this variable on the next activation.
            os.environ["XDG_ACTIVATION_TOKEN"] = token
        if window.isMinimized():
            window.showNormal()
        else:
            window.show()
        window.raise_()
        window.activateWindow()

    # A later instance -------------------------------------------------------------------

    def _send(self, paths: list[str]) -> bool:
        """Deliver ``paths`` to the running instance; True when it acknowledged them.

        Waits in a local event loop rather than with QLocalSocket's blocking waits: those
        keep Python's interpreter lock, which would starve a first instance living in the
        same process (tests do that), and the loop also serves that instance's socket.
        """
        message: dict[str, object] = {"paths": paths}
        token = os.environ.get("XDG_ACTIVATION_TOKEN")
        if token:
            message["activation_token"] = token
        payload = QByteArray(json.dumps(message).encode("utf-8") + b"\n")
        deadline = time.monotonic() + self.timeout_ms / 1000
        loop = QEventLoop()
        socket = QLocalSocket()
        retry = QTimer(singleShot=True, interval=RETRY_MS)
        give_up = QTimer(singleShot=True, interval=self.timeout_ms)
        reply = bytearray()
        answered = False
        reached = False

        def connect() -> None:
            socket.abort()
            socket.connectToServer(self.server_name)

        def send() -> None:
            nonlocal reached
            reached = True
            socket.write(payload)

        def failed(_error: QLocalSocket.LocalSocketError) -> None:
            # Not reached yet: the holder may be starting and not listen yet, so retry
            # until the deadline. Once reached, an error (it hung up) ends the attempt.
            if reached or time.monotonic() + RETRY_MS / 1000 >= deadline:
                loop.quit()
            else:
                retry.start()

        def read() -> None:
            nonlocal answered
            reply.extend(bytes(socket.readAll().data()))
            if b"\n" in reply:
                answered = bytes(reply) == ACK
                loop.quit()

        retry.timeout.connect(connect)
        give_up.timeout.connect(loop.quit)
        socket.connected.connect(send)
        socket.errorOccurred.connect(failed)
        socket.readyRead.connect(read)
        socket.disconnected.connect(loop.quit)
        give_up.start()
        connect()
        if not answered and (reached or retry.isActive() or socket.state() != _UNCONNECTED):
            loop.exec()
        retry.stop()
        give_up.stop()
        socket.abort()
        return answered
