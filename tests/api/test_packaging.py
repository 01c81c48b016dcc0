"""Installing: man pages without roff warnings, `make install` with PREFIX and DESTDIR, and the
Debian package (`make deb`: built once for the class in a temporary build directory, checked by
lintian, unpacked into a throwaway root whose `tokenzone version` must run).

The package build compiles the whole tree again, so this module takes a minute or two."""
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import REPO_ROOT

BUILD_TIMEOUT = 1200


def run(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", BUILD_TIMEOUT)
    return subprocess.run(args, **kw)


def make_version():
    proc = run(["make", "-s", "--no-print-directory", "version"], cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode().strip()


class ManPages(unittest.TestCase):
    def test_man_pages_render_without_warnings(self):
        pages = sorted(glob.glob(os.path.join(REPO_ROOT, "man", "*.1")))
        self.assertEqual([os.path.basename(p) for p in pages],
                         ["tokenzone-admin.1", "tokenzone-serve.1", "tokenzone-token.1", "tokenzone.1"])
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        for page in pages:
            proc = run(["man", "--warnings", "-E", "UTF-8", "-l", page], env=env, timeout=60)
            self.assertEqual(proc.returncode, 0, page)
            self.assertEqual(proc.stderr.decode(), "", "%s: roff warnings" % page)
            self.assertIn("NAME", proc.stdout.decode())


class MakeInstall(unittest.TestCase):
    def test_install_with_prefix_and_destdir(self):
        root = tempfile.mkdtemp(prefix="tokenzone-install-")
        self.addCleanup(shutil.rmtree, root, True)
        proc = run(["make", "-s", "install", "DESTDIR=" + root, "PREFIX=/opt/tz"], cwd=REPO_ROOT)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode()[-3000:])
        for rel in ("opt/tz/bin/tokenzone", "opt/tz/share/man/man1/tokenzone.1",
                    "opt/tz/share/man/man1/tokenzone-serve.1", "opt/tz/lib/systemd/system/tokenzone.service",
                    "opt/tz/share/bash-completion/completions/tokenzone", "etc/default/tokenzone"):
            self.assertTrue(os.path.isfile(os.path.join(root, rel)), rel)
        with open(os.path.join(root, "opt/tz/lib/systemd/system/tokenzone.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/opt/tz/bin/tokenzone serve", unit)
        self.assertNotIn("/usr/local/bin", unit)
        out = run([os.path.join(root, "opt/tz/bin/tokenzone"), "version"], timeout=30)
        self.assertEqual(out.stdout.decode().strip(), "tokenzone " + make_version())
        # the default configuration is never overwritten
        cfg = os.path.join(root, "etc/default/tokenzone")
        with open(cfg, "w") as f:
            f.write("TOKENZONE_DOMAIN=kept.example\n")
        proc = run(["make", "-s", "install", "DESTDIR=" + root, "PREFIX=/opt/tz"], cwd=REPO_ROOT)
        self.assertEqual(proc.returncode, 0)
        with open(cfg) as f:
            self.assertEqual(f.read(), "TOKENZONE_DOMAIN=kept.example\n")


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tokenzone-deb-")
        build = os.path.join(cls.tmp, "build")
        env = dict(os.environ)
        for var in ("CFLAGS", "CPPFLAGS", "LDFLAGS", "MAKEFLAGS", "MFLAGS"):
            env.pop(var, None)
        proc = run(["nice", "make", "deb", "BUILD=" + build], cwd=REPO_ROOT, env=env)
        cls.build_log = proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")
        cls.debs = sorted(glob.glob(os.path.join(build, "tokenzone_*.deb"))) if proc.returncode == 0 else []

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def deb(self):
        self.assertEqual(len(self.debs), 1, "make deb failed or made no package:\n" + self.build_log[-4000:])
        return self.debs[0]

    def test_package_name_version_and_hardening(self):
        deb = self.deb()
        self.assertEqual(os.path.basename(deb), "tokenzone_%s_amd64.deb" % make_version().replace("-", "+"))
        # the distribution's flags reached the compiler and the linker
        self.assertIn("-D_FORTIFY_SOURCE=2", self.build_log)
        self.assertIn("-Wl,-z,relro", self.build_log)
        self.assertIn("-Wl,-z,now", self.build_log)
        # the tree stays clean: the build happened in a copy
        status = run(["git", "status", "--porcelain", "--ignored", "debian"], cwd=REPO_ROOT, timeout=60)
        self.assertEqual(status.stdout.decode().strip(), "")

    def test_lintian_reports_no_errors(self):
        deb = self.deb()
        proc = run(["lintian", "--no-tag-display-limit", deb], timeout=600)
        errors = [l for l in proc.stdout.decode().splitlines() if l.startswith("E:")]
        self.assertEqual(errors, [], proc.stdout.decode())

    def test_contents_and_version_from_a_throwaway_root(self):
        deb = self.deb()
        root = os.path.join(self.tmp, "root")
        proc = run(["dpkg", "-x", deb, root], timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        for rel in ("usr/bin/tokenzone", "lib/systemd/system/tokenzone.service", "etc/default/tokenzone",
                    "usr/share/man/man1/tokenzone.1.gz", "usr/share/bash-completion/completions/tokenzone",
                    "etc/logrotate.d/tokenzone"):
            self.assertTrue(os.path.isfile(os.path.join(root, rel)), rel)
        out = run([os.path.join(root, "usr/bin/tokenzone"), "version"], timeout=30)
        self.assertEqual(out.returncode, 0)
        self.assertEqual(out.stdout.decode().strip(), "tokenzone " + make_version())
        with open(os.path.join(root, "lib/systemd/system/tokenzone.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/bin/tokenzone serve --data /var/lib/tokenzone", unit)
        self.assertIn("EnvironmentFile=-/etc/default/tokenzone", unit)
        control = run(["dpkg-deb", "-e", deb, os.path.join(self.tmp, "control")], timeout=60)
        self.assertEqual(control.returncode, 0)
        with open(os.path.join(self.tmp, "control", "postinst")) as f:
            postinst = f.read()
        self.assertIn("adduser --system", postinst)
        self.assertIn("TOKENZONE_DOMAIN", postinst)   # starts only when configured
        with open(os.path.join(self.tmp, "control", "conffiles")) as f:
            self.assertIn("/etc/default/tokenzone", f.read())
