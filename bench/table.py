"""The one table `make bench` prints: a Markdown table whose rows hold a median figure, the
baseline it is compared with (measured in the same run), the ratio, the target and PASS/FAIL."""
import math


def _num(x, digits=0):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def _ms(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.2f} ms" if x < 10 else f"{x:,.0f} ms" if x >= 100 else f"{x:.1f} ms"


def _load(res):
    return f"{_num(res['rps'])} req/s, p50 {_ms(res['p50'])}, p99 {_ms(res['p99'])}"


def _ratio(a, b):
    if not a or not b or math.isnan(a) or math.isnan(b):
        return None
    return a / b


def _x(r):
    return "n/a" if r is None else f"{r:.2f}×"


class Table:
    def __init__(self):
        self.rows = []   # [label, value, baseline, ratio, target, result]
        self.notes = []

    def _add(self, label, value, baseline="", ratio="", target="", result=""):
        self.rows.append([label, value, baseline, ratio, target, result])

    def note(self, text):
        self.notes.append(text)

    def any_fail(self):
        return any(r[5].startswith(("FAIL", "INVALID")) for r in self.rows) or bool(self.notes)

    @staticmethod
    def _errors(res):
        bad = res.get("non2xx", 0) + res.get("timeouts", 0)
        return f"INVALID ({bad} error answers)" if bad else None

    # ------------------------------------------------------------ rows

    def baseline_row(self, label, res):
        """Goes first in the table, though it is complete only after the rows it was paired with."""
        self.rows.insert(0, [f"baseline: {label}", _load(res), "", "1.00×", "", self._errors(res) or "baseline"])

    def load_row(self, label, res, base, ratio, target_ratio=None, p99_max=None, p99_ratio=None):
        """p99_ratio: (limit, median of the per-pair p99 ratios ours/nginx) or None."""
        target, result = [], ""
        if target_ratio is not None:
            target.append(f"≥ {target_ratio:.1f}× nginx")
        if p99_max is not None:
            target.append(f"p99 < {p99_max:g} ms")
        if p99_ratio is not None:
            target.append(f"p99 ≤ {p99_ratio[0]:g}× nginx's (here {_x(p99_ratio[1])})")
        if target:
            ok = (target_ratio is None or (ratio is not None and ratio >= target_ratio)) and \
                 (p99_max is None or res["p99"] < p99_max) and \
                 (p99_ratio is None or (not math.isnan(p99_ratio[1]) and p99_ratio[1] <= p99_ratio[0]))
            result = "PASS" if ok else "FAIL"
        result = self._errors(res) or self._errors(base) or result
        self._add(label, _load(res), f"nginx {_num(base['rps'])} req/s, p99 {_ms(base['p99'])}", _x(ratio),
                  ", ".join(target), result)

    def memory_row(self, label, rss_kib, limit_kib):
        self._add(label, f"{rss_kib / 1024:.1f} MiB", "", "", f"≤ {limit_kib / 1024:g} MiB",
                  "PASS" if rss_kib <= limit_kib else "FAIL")

    def per_connection_row(self, n, idle_kib, rss_kib):
        per = (rss_kib - idle_kib) / n
        self._add(f"memory per open idle keep-alive connection ({n} connections, one request each)",
                  f"{per:.1f} KiB", f"RSS {idle_kib / 1024:.1f} → {rss_kib / 1024:.1f} MiB", "", "(reported)", "")

    def write_row(self, label, res, minimum=None):
        """A durable write, set against the fdatasync rate measured just before (fsync_row)."""
        rate = getattr(self, "fsync_rate", None)
        result = ""
        if minimum is not None:
            result = "PASS" if res["rps"] >= minimum else "FAIL"
        self._add(label, _load(res), f"fdatasync {_num(rate)}/s" if rate else "",
                  f"{res['rps'] / rate:.2f}× fdatasync" if rate else "n/a",
                  f"≥ {minimum:,.0f}/s" if minimum is not None else "", self._errors(res) or result)

    def fsync_row(self, rate):
        self._add("baseline: 4 KiB append + fdatasync, data directory's file system", f"{_num(rate)} /s",
                  "", "1.00×", "", "baseline")
        self.fsync_rate = rate

    def revoke_rows(self, lat):
        counts = sorted(lat)
        base = lat[counts[0]][0]
        for i, n in enumerate(counts):
            ms, samples, growth = lat[n]
            label = f"revoke-all latency, {n:,} temporary tokens issued before"
            spread = (f"{ms:.2f} ms ({len(samples)} rounds, {min(samples):.1f}–{max(samples):.1f}; "
                      f"store grew {growth:,} B while issuing)")
            if i == 0:
                self._add(label, spread, "", "1.00×", "", "baseline")
                continue
            r = _ratio(ms, base)
            last = i == len(counts) - 1
            # fsync jitter is the only variable cost: within the spread of the N=10 rounds is flat too
            # (an O(N) revoke-all would add far more at 100,000 than that spread).
            flat = r is not None and (r <= 1.5 or ms <= max(lat[counts[0]][1]))
            self._add(label, spread, f"{base:.2f} ms at {counts[0]:,}", _x(r),
                      f"flat: ≤ 1.5× or ≤ max at {counts[0]:,}" if last else "",
                      ("PASS" if flat else "FAIL") if last else "")

    def revocation_row(self, res, wrk_res):
        value = (f"{res['later_succeeded']} of {res['later']:,} verifies sent after the revocation succeeded "
                 f"({res['ok_before']:,} OK before; wrk: {_num(wrk_res['rps'])} req/s alongside)")
        self._add("revocation immediate under verify load", value, "", "", "0 later successes",
                  "PASS" if res["ok"] else "FAIL")

    def core_rows(self, v):
        ours, lm = v.get("ours_ns"), v.get("libmacaroons_ns")
        speed = _ratio(lm, ours)
        n = int(v.get("caveats", 8))
        self._add(f"in-process deserialize + verify, {n} caveats ({int(v.get('token_bytes', 0))} B token)",
                  f"{_num(ours)} ns/op", f"libmacaroons {_num(lm)} ns/op",
                  f"{speed:.2f}× faster" if speed else "n/a", "≥ 3× faster",
                  "PASS" if speed and speed >= 3 else "FAIL")
        self._add("baseline: libmacaroons unescape + deserialize + verify, same token",
                  f"{_num(lm)} ns/op", "", "1.00×", "", "baseline")
        pw = v.get("password_verify_ns")
        self._add("Basic auth: tz_password_verify (Argon2id, deliberately slow)",
                  f"{pw / 1e6:.1f} ms/op" if pw else "n/a", f"token verify {_num(ours)} ns/op",
                  _x(_ratio(pw, ours)), "(info)", "")

    def scale_rows(self, small, big):
        sp, bp = small["plan"], big["plan"]
        tag_b = f"{bp['tokens']:,} tokens / {bp['users']:,} users"
        tag_s = f"{sp['tokens']:,}-token store"
        hwm_b, hwm_s = big["hwm_kib"] / 1024, small["hwm_kib"] / 1024
        self._add(f"server peak RSS, {tag_b}",
                  f"{hwm_b:.1f} MiB (after status and verify reads {big['rss_status_kib'] / 1024:.1f}, "
                  f"after listing {big['rss_kib'] / 1024:.1f})",
                  f"{hwm_s:.1f} MiB, {tag_s}", _x(_ratio(hwm_b, hwm_s)), "< 64 MiB",
                  "PASS" if hwm_b < 64 else "FAIL")
        self.scale_p99_rows("", small, big, 1.2)
        self._add(f"list GET /user/tokens/named, {bp['heavy']:,} ids", _ms(big["list_ms"]),
                  f"{_ms(small['list_ms'])} for {sp['heavy']:,} ids", _x(_ratio(big["list_ms"], small["list_ms"])),
                  "< 1 s", "PASS" if big["list_ms"] < 1000 else "FAIL")
        self._add(f"populate {tag_b} (bench/populate.c, not timed against a target)",
                  f"{big['populate_s']:.1f} s", "", "", "(info)", "")

    def scale_p99_rows(self, prefix, small, big, limit):
        """The status and verify rows of a scale test: p99 on the big store against the small one,
        their runs alternated. `prefix` names the backend ("PostgreSQL: " or nothing)."""
        bp, sp = big["plan"], small["plan"]
        tag_b = f"{bp['tokens']:,} tokens / {bp['users']:,} users"
        tag_s = f"{sp['tokens']:,}-token store"
        rows = ((f"status read over {big['n_samples']:,} ids of one user", "status", ""),
                (f"verify POST /tokens/verify_access_token over {big['n_verify']:,} tokens of "
                 f"{big['n_verify_users']:,} users", "verify",
                 f" ({small['n_verify']:,} tokens of {small['n_verify_users']:,} users)"))
        for what, key, small_extra in rows:
            b, s = big[key], small[key]
            r = _ratio(b["p99"], s["p99"])
            self._add(f"{prefix}{what}, {tag_b}", _load(b),
                      f"{_num(s['rps'])} req/s, p99 {_ms(s['p99'])}, {tag_s}{small_extra}", _x(r),
                      f"p99 ≤ {limit:g}× small store",
                      self._errors(b) or self._errors(s) or ("PASS" if r is not None and r <= limit else "FAIL"))

    # ------------------------------------------------------------ output

    def render(self, header):
        head = ["measurement", "median", "baseline (same run)", "ratio", "target", "result"]
        lines = [f"Machine: {header}", "",
                 "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        for r in self.rows:
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
        for n in self.notes:
            lines.append(f"\nNOT MEASURED: {n}")
        return "\n".join(lines)
