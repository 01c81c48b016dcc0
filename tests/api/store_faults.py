"""Making a running server's store fail for real, per backend, for the fault-injection tests.

The tests call faults_for(server) and use only this interface, so the same test module runs on
every store backend; a backend adds its own class here.

  break_table(name)   the table disappears under the server (renamed away): every statement that
                      touches it fails inside the database, at whatever step of a request it is
                      read or written. Real SQL errors, no test build, no switch in tokenzone.
  repair()            puts every broken table back.
  hold_write_lock()   context manager: another client holds the database's write lock, so the
                      server's writers time out (the server runs with a short statement timeout).
  make_unreachable()  the database as a whole goes away (SQLite: the database file is moved
                      away from its path; PostgreSQL: the server stops); repair() brings it back.
  count(table)        rows in a table, read directly (to see that nothing half-done stayed).
"""
import contextlib
import os
import sqlite3

BROKEN_SUFFIX = "__broken_by_test"


class SqliteFaults:
    def __init__(self, server):
        self.db_path = os.path.join(server.data_dir, "tokenzone.db")
        self.broken = []
        self.moved = None

    def _connect(self):
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        return conn

    def break_table(self, table):
        conn = self._connect()
        try:
            conn.execute('ALTER TABLE "%s" RENAME TO "%s%s"' % (table, table, BROKEN_SUFFIX))
        finally:
            conn.close()
        self.broken.append(table)

    def make_unreachable(self):
        self.moved = self.db_path + ".moved-by-test"
        os.rename(self.db_path, self.moved)

    def repair(self):
        if self.moved:
            os.rename(self.moved, self.db_path)
            self.moved = None
        if not self.broken:
            return
        conn = self._connect()
        try:
            while self.broken:
                table = self.broken.pop()
                conn.execute('ALTER TABLE "%s%s" RENAME TO "%s"' % (table, BROKEN_SUFFIX, table))
        finally:
            conn.close()

    @contextlib.contextmanager
    def hold_write_lock(self):
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield
        finally:
            try:
                conn.execute("ROLLBACK")
            finally:
                conn.close()

    def count(self, table):
        conn = self._connect()
        try:
            return conn.execute('SELECT count(*) FROM "%s"' % table).fetchone()[0]
        finally:
            conn.close()


def faults_for(server):
    """The fault injector for the server's backend (SQLite: --data DIR)."""
    store = getattr(server, "store_url", None)
    if store and not store.startswith("sqlite:"):
        raise RuntimeError("no fault injector for the store %r yet" % store.split(":", 1)[0])
    return SqliteFaults(server)
