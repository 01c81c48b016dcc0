#!/usr/bin/python3
"""Runs every tests/api/test_*.py against the tokenzone binary named by TOKENZONE_BIN (default
build/tokenzone under the repository root) and prints `api: N passed, N failed, N skipped`
(failed = failures + errors + skips not allowed). Exit status 0 only when nothing failed.

A test that cannot run fails; the only skips allowed are those listed, with their reason, in the
"Allowed skips" table of docs/testing.md (a test id pattern such as
`test_disk_faults.DiskFull.*`). Every skip is printed with its reason; a skip missing from the
table counts as a failure, so CI cannot pass with a check silently left out.

Usage: run.py [-v] [--durations] [--store sqlite|postgres] [-k PATTERN] [test_module ...]
--store postgres (or TOKENZONE_TEST_STORE=postgres) runs every server on its own database of a
throwaway PostgreSQL 15 cluster that the run starts and removes (tests/api/pg.py).
"""
import argparse
import fnmatch
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402  (needs sys.path above)

# Modules that start their own PostgreSQL cluster whatever the store of the run is.
PG_ALWAYS = ("test_multinode", "test_pg_faults", "test_store_contract_pg")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-k", dest="patterns", action="append", default=None,
                    help="only tests whose name contains this substring (repeatable)")
    ap.add_argument("--durations", action="store_true",
                    help="print the time spent per test class")
    ap.add_argument("--store", choices=("sqlite", "postgres"), default=None,
                    help="the store backend of the servers the tests start (default: "
                         "$TOKENZONE_TEST_STORE or sqlite)")
    ap.add_argument("--exclude", action="append", default=[], metavar="MODULE",
                    help="leave this module out of a whole-suite run (repeatable): for a second "
                         "pass over modules that already ran in the first")
    ap.add_argument("modules", nargs="*", help="test module names, e.g. test_auth")
    args = ap.parse_args()
    if args.store:
        os.environ["TOKENZONE_TEST_STORE"] = args.store

    if not os.path.exists(harness.BIN):
        print("tokenzone binary not found: %s (build it or set TOKENZONE_BIN)" % harness.BIN)
        print("api: 0 passed, 1 failed, 0 skipped")
        _record(0, 1, 0)
        return 1

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in args.patterns]
    if args.modules:
        suite = unittest.TestSuite(loader.loadTestsFromName(m.replace(".py", ""))
                                   for m in args.modules)
    elif os.environ.get("TOKENZONE_TEST_STORE", "sqlite") != "sqlite":
        # modules that always run on their own PostgreSQL cluster ran in the default pass already
        names = sorted(f[:-3] for f in os.listdir(HERE)
                       if f.startswith("test_") and f.endswith(".py") and f[:-3] not in PG_ALWAYS
                       and f[:-3] not in args.exclude)
        print("(%s already ran on PostgreSQL in the default pass)" % ", ".join(PG_ALWAYS))
        suite = unittest.TestSuite(loader.loadTestsFromName(m) for m in names)
    else:
        names = sorted(f[:-3] for f in os.listdir(HERE)
                       if f.startswith("test_") and f.endswith(".py") and f[:-3] not in args.exclude)
        suite = unittest.TestSuite(loader.loadTestsFromName(m) for m in names)
    if args.exclude:
        print("(left out of this pass: %s)" % ", ".join(args.exclude))

    started = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2 if args.verbose else 1,
                                     resultclass=TimedResult)
    result = runner.run(suite)
    if args.durations:
        print("slowest test classes (including their server and fixtures):")
        for name, secs in sorted(result.class_times.items(), key=lambda kv: -kv[1])[:15]:
            print("  %6.1f s  %s" % (secs, name))
    # a test with several failing subtests counts once; an error outside any test (setUpClass)
    # counts as one failure of its own and ran no test
    failed_tests, outside = set(), 0
    for test, _ in result.failures + result.errors:
        case = getattr(test, "test_case", test)
        if isinstance(case, unittest.TestCase):
            failed_tests.add(case.id())
        else:
            outside += 1
    failed = len(failed_tests) + outside + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = (result.testsRun - len(failed_tests) - len(result.unexpectedSuccesses) - skipped
              - len(result.expectedFailures))
    allowed = allowed_skips()
    for test, reason in result.skipped:
        ok = any(fnmatch.fnmatchcase(test.id(), pat) for pat in allowed)
        print("%s %s: %s" % ("SKIP (allowed)" if ok else "SKIP NOT ALLOWED", test.id(), reason))
        if not ok:
            failed += 1
            skipped -= 1
    if result.testsRun == 0:
        print("no test ran (wrong module name or -k pattern?)")
        failed += 1
    store = os.environ.get("TOKENZONE_TEST_STORE", "sqlite")
    line = "api: %d passed, %d failed, %d skipped" % (passed, failed, skipped)
    if store != "sqlite":
        line += " (store: %s)" % store
    print("(%.1f s)" % (time.monotonic() - started))
    print(line)
    _record(passed, failed, skipped)
    return 1 if failed else 0


def allowed_skips():
    """Test id patterns of the "Allowed skips" table in docs/testing.md."""
    path = os.path.join(harness.REPO_ROOT, "docs", "testing.md")
    pats, inside = [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                inside = line.strip() == "## Allowed skips"
            elif inside:
                m = re.match(r"^\| `([^`]+)` \|", line)
                if m:
                    pats.append(m.group(1))
    return pats


class TimedResult(unittest.TextTestResult):
    """Accumulates wall time per test class (from the end of the previous test, so that a
    class's setUpClass is charged to it)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.class_times = {}
        self._last = time.monotonic()

    def stopTest(self, test):
        super().stopTest(test)
        now = time.monotonic()
        name = "%s.%s" % (type(test).__module__, type(test).__name__)
        self.class_times[name] = self.class_times.get(name, 0.0) + (now - self._last)
        self._last = now


def _record(passed, failed, skipped):
    # scripts/test-all.sh sums "passed failed skipped" lines from every runner
    counts = os.environ.get("TZ_COUNTS")
    if counts:
        with open(counts, "a") as f:
            f.write("%d %d %d\n" % (passed, failed, skipped))


if __name__ == "__main__":
    sys.exit(main())
