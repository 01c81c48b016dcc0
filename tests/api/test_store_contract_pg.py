"""The store contract tests (tests/unit/test_store_ops.c, written against store.h only) on the
PostgreSQL backend: builds nothing, runs build/tests/pg_contract (next to the tokenzone binary
under test) against the shared throwaway PostgreSQL cluster (pg.py) with a role that may create
one database per store the tests open."""
import os
import secrets
import subprocess

import pg
from harness import BIN, TokenzoneTestCase

CONTRACT = os.path.join(os.path.dirname(BIN), "tests", "pg_contract")


class StoreContractOnPostgres(TokenzoneTestCase):
    def test_contract_suite_passes_on_postgresql(self):
        self.assertTrue(os.path.exists(CONTRACT),
                        "%s not built (make %s)" % (CONTRACT, os.path.relpath(CONTRACT)))
        cluster = pg.cluster()
        role = "contract_%d" % os.getpid()
        password = secrets.token_hex(16)
        cluster.psql("CREATE ROLE \"%s\" LOGIN CREATEDB PASSWORD '%s'" % (role, password))
        db = pg.Database(cluster, "postgres", role, password)
        pg._PASSWORDS[(cluster.port, role)] = password
        pg._write_passfile()
        try:
            proc = subprocess.run([CONTRACT], capture_output=True, text=True, timeout=300,
                                  env=dict(os.environ, TOKENZONE_TEST_PG_ADMIN=db.uri))
        finally:
            cluster.psql('DROP ROLE IF EXISTS "%s"' % role)
            cluster.forget_password(db)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn(" 0 failed", proc.stdout)
        self.assertNotIn(password, proc.stdout + proc.stderr)
