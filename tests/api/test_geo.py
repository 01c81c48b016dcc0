"""asn / geo.country / geo.region caveats against the small MaxMind test databases in
tests/fixtures/geoip (their .json sources say which network maps to what): 1.0.0.0/24 is
AS15169; 89.160.20.112/28 is Sweden (Europe, EU); 81.2.69.142 is Great Britain (Europe, not EU in
this data); 67.43.156.0/24 is Bhutan (Asia); 50.114.0.0/22 is the United States. Loopback
addresses are in no database, so every geo lookup for them fails."""
from harness import ServerTestCase

SE, GB, BT, US, AS15169 = "89.160.20.115", "81.2.69.142", "67.43.156.1", "50.114.0.1", "1.0.0.5"


class GeoCaveats(ServerTestCase):
    @classmethod
    def server_args(cls):
        return {"geoip": True}

    @classmethod
    def setUpWorld(cls):
        cls.u = cls.srv.logged_user()
        cls.tok = cls.srv.named_token("/user", cls.u.token)[1]

    def confined(self, cav):
        resp = self.srv.post("/tokens/confine", body={"token": self.tok, "caveats": [cav]})
        self.assertStatus(resp, 200)
        return resp.json["token"]

    def check(self, cav, ip, ok):
        tok = self.confined(cav)
        resp = self.srv.post("/tokens/verify_access_token", body={"token": tok, "peerIp": ip})
        with self.subTest(caveat=cav, ip=ip):
            if ok:
                self.assertStatus(resp, 200)
                self.assertEqual(resp.json["subject"], {"type": "user", "id": self.u.id})
            else:
                self.assertError(resp, 400, "tokenCaveatUnverified", {"caveat": cav})

    def test_asn(self):
        cav = {"type": "asn", "whitelist": [15169]}
        self.check(cav, AS15169, True)
        self.check(cav, SE, False)
        self.check(cav, "127.0.0.1", False)
        self.check({"type": "asn", "whitelist": [1, 15169]}, AS15169, True)
        self.check({"type": "asn", "whitelist": [1221]}, "1.128.0.1", True)

    def test_country(self):
        wl = {"type": "geo.country", "filter": "whitelist", "list": ["SE"]}
        bl = {"type": "geo.country", "filter": "blacklist", "list": ["SE"]}
        self.check(wl, SE, True)
        self.check(wl, GB, False)
        self.check(bl, SE, False)
        self.check(bl, GB, True)
        self.check({"type": "geo.country", "filter": "whitelist", "list": ["PL", "US"]}, US, True)
        # a failed lookup fails white- and blacklists alike
        self.check(wl, "127.0.0.1", False)
        self.check(bl, "127.0.0.1", False)
        self.check(bl, "10.1.1.1", False)

    def test_region(self):
        self.check({"type": "geo.region", "filter": "whitelist", "list": ["Europe"]}, GB, True)
        self.check({"type": "geo.region", "filter": "whitelist", "list": ["EU"]}, SE, True)
        self.check({"type": "geo.region", "filter": "whitelist", "list": ["EU"]}, GB, False)
        self.check({"type": "geo.region", "filter": "whitelist", "list": ["Asia"]}, BT, True)
        self.check({"type": "geo.region", "filter": "blacklist", "list": ["Asia"]}, BT, False)
        self.check({"type": "geo.region", "filter": "blacklist", "list": ["Asia"]}, SE, True)
        self.check({"type": "geo.region", "filter": "whitelist", "list": ["NorthAmerica"]}, US,
                   True)
        self.check({"type": "geo.region", "filter": "blacklist", "list": ["Africa"]},
                   "127.0.0.1", False)

    def test_descriptions(self):
        tok = self.confined({"type": "geo.country", "filter": "blacklist", "list": ["SE", "DE"]})
        resp = self.srv.post("/tokens/verify_access_token", body={"token": tok, "peerIp": SE})
        self.assertError(resp, 400, "tokenCaveatUnverified",
                         description="Provided token is not valid - unverified country caveat: "
                                     "this token can only be used from an IP address that does "
                                     "NOT come from the following country: 'SE or DE'.")
        tok = self.confined({"type": "asn", "whitelist": [7, 8]})
        resp = self.srv.post("/tokens/verify_access_token", body={"token": tok, "peerIp": SE})
        self.assertError(resp, 400, "tokenCaveatUnverified",
                         description="Provided token is not valid - unverified ASN caveat: this "
                                     "token can only be used from an IP address that maps to the "
                                     "following Autonomous System Number: '7 or 8'.")

    def test_rest_authentication_uses_the_tcp_peer(self):
        tok = self.confined({"type": "geo.region", "filter": "blacklist", "list": ["Asia"]})
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenCaveatUnverified")

    def test_invite_and_identity_tokens_honour_geo_caveats(self):
        ident = self.srv.named_token("/user", self.u.token, type={"identityToken": {}})[1]
        cav = {"type": "geo.country", "filter": "whitelist", "list": ["SE"]}
        resp = self.srv.post("/tokens/confine", body={"token": ident, "caveats": [cav]})
        tok = resp.json["token"]
        resp = self.srv.post("/tokens/verify_identity_token", body={"token": tok, "peerIp": SE})
        self.assertStatus(resp, 200)
        resp = self.srv.post("/tokens/verify_identity_token", body={"token": tok, "peerIp": GB})
        self.assertError(resp, 400, "tokenCaveatUnverified", {"caveat": cav})
