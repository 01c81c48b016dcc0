"""Can anything in a copy of the store start the HMAC chain of a token? (issue: sealed secrets)

A token is a macaroon: signature = HMAC(...HMAC(HMAC(K0, identifier), caveat1)..., caveatN) with
K0 = HMAC("macaroons-key-generator", secret). Whoever holds the secret, K0, or any state of the
chain can produce a token that verifies. `chain_starters(tokens, values)` tries every candidate
value as each of these for every token and returns what matched; callers assert it is empty.

Values come from any source (SQLite rows, the raw bytes of the database, its WAL and free pages,
or a `pg_dump`): `candidates(value)` expands one value into the byte strings to try: the value
itself, its hex decoding, its base64 decodings, and the same for each part when split on the
separators stored values use ($ : , / whitespace, JSON quotes)."""
import base64
import binascii
import hashlib
import hmac
import re

_KEYGEN = b"macaroons-key-generator" + b"\0" * 9
_SPLIT = re.compile(rb"[$:,/\s\"'{}\[\]=]+")
_HEX = re.compile(rb"^(?:[0-9a-fA-F]{2})+$")
_B64 = re.compile(rb"^[A-Za-z0-9+/_-]+={0,2}$")


def _unescape62(text):
    out, i = [], 0
    table = {"0": "0", "1": "_", "2": "-", "3": "/", "4": "+", "5": "="}
    while i < len(text):
        ch = text[i]
        if ch == "0" and i + 1 < len(text):
            out.append(table[text[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_token(serialized):
    """(identifier, [caveat ids], signature) of a serialized Onedata token (no prefix)."""
    b64 = _unescape62(serialized)
    raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
    ident, cids, sig, i = None, [], None, 0
    while i < len(raw):
        size = int(raw[i:i + 4], 16)
        body = raw[i + 4:i + size]
        key, _, value = body.partition(b" ")
        value = value[:-1] if value.endswith(b"\n") else value
        if key == b"identifier":
            ident = value
        elif key == b"cid":
            cids.append(value)
        elif key == b"signature":
            sig = value
        i += size
    if ident is None or sig is None or len(sig) != 32:
        raise ValueError("not a token: %r" % serialized[:40])
    return ident, cids, sig


def _chain(state, parts):
    for p in parts:
        state = hmac.new(state, p, hashlib.sha256).digest()
    return state


def candidates(value):
    """The byte strings one stored value is tried as (a set)."""
    if value is None:
        return set()
    if isinstance(value, (int, float)):
        value = str(value)
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogatepass")
    out = set()
    for piece in [value] + [p for p in _SPLIT.split(value) if p]:
        out.add(piece)
        if _HEX.match(piece):
            out.add(binascii.unhexlify(piece))
        if len(piece) >= 16 and _B64.match(piece):
            for alt in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    out.add(alt(piece + b"=" * (-len(piece) % 4)))
                except (binascii.Error, ValueError):
                    pass
    out.discard(b"")
    return out


def chain_starters(tokens, values):
    """[(token index, how, candidate)] for every candidate that reproduces a token's signature:
    as the secret, as the root key K0, or as any intermediate state of the chain (which includes
    the signature itself)."""
    parsed = [parse_token(t) for t in tokens]
    cands = set()
    for v in values:
        cands |= candidates(v)
    found = []
    for c in cands:
        k0_from_secret = hmac.new(_KEYGEN, c, hashlib.sha256).digest()
        for idx, (ident, cids, sig) in enumerate(parsed):
            if hmac.compare_digest(_chain(k0_from_secret, [ident] + cids), sig):
                found.append((idx, "secret", c))
            if hmac.compare_digest(_chain(c, [ident] + cids), sig):
                found.append((idx, "root key", c))
            for start in range(len(cids) + 1):
                if len(c) == 32 and hmac.compare_digest(_chain(c, cids[start:]), sig):
                    found.append((idx, "chain state %d" % start, c))
    return found


def raw_file_values(path):
    """Printable runs (8+ bytes) and 64-hex runs found anywhere in a file: rows, free pages,
    the WAL, whatever a copy of the file carries."""
    with open(path, "rb") as f:
        data = f.read()
    return set(re.findall(rb"[\x20-\x7e]{8,}", data)) | set(re.findall(rb"[0-9a-f]{64}", data))
