"""Invite consumption (invites.md §E): every join route, usage limits (also under concurrency),
the issuer's right re-checked at consumption, revoked/expired invites, consumer caveats, provider
registration, space support and the reads that show the result."""
import json
import subprocess
import threading

from harness import BIN, Server, ServerTestCase, ToolError, now

DOMAIN = "invites.zone.test"
LOC = "https://%s/api/v3/onezone" % DOMAIN


def already(child_type, child_id, parent_type, parent_id, verb="is already a member of"):
    return ({"childType": "od_" + child_type, "childId": child_id,
             "parentType": "od_" + parent_type, "parentId": parent_id},
            "Bad value: %s:%s %s %s:%s." % (child_type, child_id, verb, parent_type, parent_id))


class InviteCase(ServerTestCase):
    @classmethod
    def server_args(cls):
        return {"domain": DOMAIN}

    # ---- helpers ----
    def entity(self, area, owner, name=None):
        return self.srv.admin(area, "create", name or self.srv.unique(area.replace("-", "")),
                              "--owner", owner.id)

    def invite(self, issuer_token, itype, target, named=True, owner_path="/user", **fields):
        key = {"userJoinGroup": "groupId", "groupJoinGroup": "groupId",
               "userJoinSpace": "spaceId", "groupJoinSpace": "spaceId",
               "supportSpace": "spaceId", "harvesterJoinSpace": "spaceId",
               "registerOneprovider": "adminUserId", "userJoinCluster": "clusterId",
               "groupJoinCluster": "clusterId", "userJoinHarvester": "harvesterId",
               "groupJoinHarvester": "harvesterId", "spaceJoinHarvester": "harvesterId",
               "userJoinAtmInventory": "atmInventoryId",
               "groupJoinAtmInventory": "atmInventoryId"}[itype]
        ttype = {"inviteToken": {"inviteType": itype, key: target}}
        if named:
            return self.srv.named_token(owner_path, issuer_token, type=ttype, **fields)
        return None, self.srv.temp_token(owner_path, issuer_token, type=ttype, **fields)

    def join(self, path, user_token, invite):
        return self.srv.post(path, body={"token": invite}, token=user_token)

    def assertJoined(self, resp, location):
        self.assertStatus(resp, 201)
        self.assertEqual(resp.headers.get("location"), LOC + location)
        self.assertEqual(resp.body, b"")

    def usage(self, owner_token, token_id):
        resp = self.srv.get("/tokens/named/" + token_id, token=owner_token)
        self.assertStatus(resp, 200)
        return resp.json["metadata"]["usageCount"]

    def ids(self, path, token, key):
        resp = self.srv.get(path, token=token)
        self.assertStatus(resp, 200)
        return resp.json[key]


class JoinRoutes(InviteCase):
    """Each join route of §E.1 with a temporary and a named invite."""

    @classmethod
    def setUpWorld(cls):
        cls.owner = cls.srv.quick_user("owner")
        cls.bob = cls.srv.quick_user("bob")

    def test_user_join_group(self):
        gid = self.entity("group", self.owner)
        _, inv = self.invite(self.owner.token, "userJoinGroup", gid, named=False)
        self.assertJoined(self.join("/user/groups/join", self.bob.token, inv), "/user/groups/" + gid)
        self.assertIn(gid, self.ids("/user/groups", self.bob.token, "groups"))
        resp = self.srv.get("/groups/" + gid, token=self.bob.token)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["groupId"], gid)
        # the joined member got the defaults (group_view): it may not invite others
        resp = self.srv.post("/user/tokens/named", token=self.bob.token,
                             body={"name": "xx", "type": {"inviteToken": {
                                 "inviteType": "userJoinGroup", "groupId": gid}}})
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized")

    def test_group_routes(self):
        bob_group = self.entity("group", self.bob)  # bob holds every privilege of it
        cases = [
            ("groupJoinGroup", "group", "/groups/%s/parents/join", "/groups/%s/parents/%s"),
            ("groupJoinSpace", "space", "/groups/%s/spaces/join", "/groups/%s/spaces/%s"),
            ("groupJoinHarvester", "harvester", "/groups/%s/harvesters/join",
             "/groups/%s/harvesters/%s"),
            ("groupJoinAtmInventory", "atm-inventory", "/groups/%s/atm_inventories/join",
             "/groups/%s/atm_inventories/%s"),
        ]
        for named in (False, True):
            for itype, area, path, loc in cases:
                with self.subTest(itype=itype, named=named):
                    target = self.entity(area, self.owner)
                    _, inv = self.invite(self.owner.token, itype, target, named=named)
                    self.assertJoined(self.join(path % bob_group, self.bob.token, inv),
                                      loc % (bob_group, target))
        # bob is an effective member of what his group joined
        self.assertTrue(self.ids("/user/effective_spaces", self.bob.token, "spaces"))
        self.assertTrue(self.ids("/user/effective_harvesters", self.bob.token, "harvesters"))
        self.assertTrue(self.ids("/user/effective_atm_inventories", self.bob.token,
                                 "atmInventories"))
        self.assertEqual(self.ids("/user/spaces", self.bob.token, "spaces"), [])

    def test_user_routes(self):
        cases = [("userJoinSpace", "space", "/user/spaces/join", "/user/spaces/%s", "spaces"),
                 ("userJoinHarvester", "harvester", "/user/harvesters/join", "/user/harvesters/%s",
                  "harvesters"),
                 ("userJoinAtmInventory", "atm-inventory", "/user/atm_inventories/join",
                  "/user/atm_inventories/%s", "atmInventories")]
        for itype, area, path, loc, key in cases:
            for named in (False, True):
                with self.subTest(itype=itype, named=named):
                    user = self.srv.quick_user()
                    target = self.entity(area, self.owner)
                    _, inv = self.invite(self.owner.token, itype, target, named=named)
                    self.assertJoined(self.join(path, user.token, inv), loc % target)
                    self.assertEqual(self.ids(path[:-len("/join")], user.token, key), [target])

    def test_cluster_routes(self):
        prov = self.srv.provider(admin_user=self.owner)
        carol = self.srv.quick_user()
        _, inv = self.invite(self.owner.token, "userJoinCluster", prov.id, named=False)
        self.assertJoined(self.join("/user/clusters/join", carol.token, inv),
                          "/user/clusters/" + prov.id)
        self.assertEqual(self.ids("/user/clusters", carol.token, "clusters"), [prov.id])
        # userJoinCluster grants cluster_admin: carol may now invite to the cluster herself, and
        # manage the provider's tokens (cluster_update), as the token routes' authorization sees
        self.invite(carol.token, "userJoinCluster", prov.id, named=False)
        self.assertStatus(self.srv.get("/providers/%s/tokens/named" % prov.id, token=carol.token),
                          200)
        dave = self.srv.quick_user()
        self.assertForbidden(self.srv.get("/providers/%s/tokens/named" % prov.id,
                                          token=dave.token))
        group = self.entity("group", carol)
        # a provider may invite to its own cluster
        _, inv = self.invite(prov.token, "groupJoinCluster", prov.id, owner_path="/provider")
        self.assertJoined(self.join("/groups/%s/clusters/join" % group, carol.token, inv),
                          "/groups/%s/clusters/%s" % (group, prov.id))
        # dave joins carol's group and so the cluster, with the group's cluster_view only
        _, inv = self.invite(carol.token, "userJoinGroup", group)
        self.assertStatus(self.join("/user/groups/join", dave.token, inv), 201)
        self.assertEqual(self.ids("/user/effective_clusters", dave.token, "clusters"), [prov.id])
        self.assertEqual(self.ids("/user/clusters", dave.token, "clusters"), [])
        self.assertForbidden(self.srv.get("/providers/%s/tokens/named" % prov.id,
                                          token=dave.token))

    def test_deleted_target(self):
        prov = self.srv.provider(admin_user=self.owner)
        _, named = self.invite(self.owner.token, "userJoinCluster", prov.id)
        _, temp = self.invite(self.owner.token, "userJoinCluster", prov.id, named=False)
        self.srv.admin("provider", "delete", prov.id)
        for inv in (named, temp):
            resp = self.join("/user/clusters/join", self.bob.token, inv)
            self.assertError(resp, 400, "inviteTokenTargetIdInvalid", {"id": prov.id})

    def test_harvester_and_space_routes(self):
        bob_space = self.entity("space", self.bob)
        bob_harvester = self.entity("harvester", self.bob)
        harvester = self.entity("harvester", self.owner)
        space = self.entity("space", self.owner)
        _, inv = self.invite(self.owner.token, "spaceJoinHarvester", harvester)
        self.assertJoined(self.join("/spaces/%s/harvesters/join" % bob_space, self.bob.token, inv),
                          "/spaces/%s/harvesters/%s" % (bob_space, harvester))
        _, inv = self.invite(self.owner.token, "harvesterJoinSpace", space, named=False)
        self.assertJoined(self.join("/harvesters/%s/spaces/join" % bob_harvester, self.bob.token,
                                    inv), "/harvesters/%s/spaces/%s" % (bob_harvester, space))
        # the same relation again, from the other side: already exists
        _, inv = self.invite(self.bob.token, "spaceJoinHarvester", bob_harvester)
        details, text = already("space", space, "harvester", bob_harvester)
        resp = self.join("/spaces/%s/harvesters/join" % space, self.owner.token, inv)
        self.assertError(resp, 409, "relationAlreadyExists", details, text)


class JoinErrors(InviteCase):
    """The check order and the errors of §E.4."""

    @classmethod
    def setUpWorld(cls):
        cls.owner = cls.srv.quick_user("owner")
        cls.bob = cls.srv.quick_user("bob")
        cls.group = cls.srv.admin("group", "create", "g", "--owner", cls.owner.id)

    def test_nobody_and_provider_and_missing_rights(self):
        _, inv = self.invite(self.owner.token, "userJoinGroup", self.group, named=False)
        resp = self.srv.post("/user/groups/join", body={"token": inv})
        self.assertError(resp, 401, "unauthorized")
        prov = self.srv.provider(admin_user=self.owner)
        self.assertError(self.join("/user/groups/join", prov.token, inv), 403, "forbidden")
        # bob holds no group_add_parent in the owner's group
        _, ginv = self.invite(self.owner.token, "groupJoinGroup", self.group, named=False)
        other = self.entity("group", self.owner)
        self.assertError(self.join("/groups/%s/parents/join" % other, self.bob.token, ginv), 403,
                         "forbidden")
        # an unknown consumer group: 404 before anything else
        self.assertError(self.srv.post("/groups/nosuchgroup/parents/join", body={}), 404,
                         "notFound")

    def test_body_errors(self):
        resp = self.srv.post("/user/groups/join", body={}, token=self.bob.token)
        self.assertError(resp, 400, "missingRequiredValue", {"key": "token"})
        resp = self.srv.post("/user/groups/join", body={"token": "garbage"}, token=self.bob.token)
        self.assertError(resp, 400, "badValueToken")
        # an access token, and an invite of another type
        # (Onezone's body validation wraps it: badValueToken {"key", "tokenError"})
        resp = self.join("/user/groups/join", self.bob.token, self.bob.token)
        self.assertError(resp, 400, "badValueToken")
        inner = resp.json["error"]["details"]["tokenError"]
        self.assertEqual(resp.json["error"]["details"]["key"], "token")
        self.assertEqual(inner["id"], "notAnInviteToken")
        self.assertEqual(inner["details"]["expectedInviteType"], "userJoinGroup")
        self.assertEqual(inner["description"],
                         "Expected an invitation token of type 'user_join_group', but received "
                         "a(n) access token.")
        _, inv = self.invite(self.owner.token, "groupJoinGroup", self.group, named=False)
        resp = self.join("/user/groups/join", self.bob.token, inv)
        self.assertError(resp, 400, "badValueToken")
        received = resp.json["error"]["details"]["tokenError"]["details"]["received"]["inviteToken"]
        self.assertEqual((received["inviteType"], received["groupId"]),
                         ("groupJoinGroup", self.group))

    def test_already_member_and_self(self):
        tid, inv = self.invite(self.owner.token, "userJoinGroup", self.group, usageLimit=1)
        details, text = already("user", self.owner.id, "group", self.group)
        self.assertError(self.join("/user/groups/join", self.owner.token, inv), 409,
                         "relationAlreadyExists", details, text)
        # the failed join did not use the invite up
        self.assertEqual(self.usage(self.owner.token, tid), 0)
        user = self.srv.quick_user()
        self.assertJoined(self.join("/user/groups/join", user.token, inv),
                          "/user/groups/" + self.group)
        self.assertEqual(self.usage(self.owner.token, tid), 1)
        _, ginv = self.invite(self.owner.token, "groupJoinGroup", self.group)
        resp = self.join("/groups/%s/parents/join" % self.group, self.owner.token, ginv)
        self.assertError(resp, 400, "cannotAddRelationToSelf",
                         description="Cannot add relation to self.")

    def test_group_cycles_are_refused(self):
        a = self.entity("group", self.owner)
        b = self.entity("group", self.owner)
        c = self.entity("group", self.owner)
        _, inv = self.invite(self.owner.token, "groupJoinGroup", a)
        self.assertStatus(self.join("/groups/%s/parents/join" % b, self.owner.token, inv), 201)
        _, inv = self.invite(self.owner.token, "groupJoinGroup", b)
        self.assertStatus(self.join("/groups/%s/parents/join" % c, self.owner.token, inv), 201)
        _, inv = self.invite(self.owner.token, "groupJoinGroup", c)  # a below c: a cycle
        self.assertError(self.join("/groups/%s/parents/join" % a, self.owner.token, inv), 400,
                         "cannotAddRelationToSelf")

    def test_nested_groups_pass_membership_on(self):
        top = self.entity("group", self.owner)
        mid = self.entity("group", self.owner)
        space = self.entity("space", self.owner)
        _, inv = self.invite(self.owner.token, "groupJoinGroup", top)
        self.assertStatus(self.join("/groups/%s/parents/join" % mid, self.owner.token, inv), 201)
        _, inv = self.invite(self.owner.token, "groupJoinSpace", space)
        self.assertStatus(self.join("/groups/%s/spaces/join" % top, self.owner.token, inv), 201)
        user = self.srv.quick_user()
        _, inv = self.invite(self.owner.token, "userJoinGroup", mid)
        self.assertStatus(self.join("/user/groups/join", user.token, inv), 201)
        self.assertEqual(self.ids("/user/groups", user.token, "groups"), [mid])
        self.assertEqual(sorted(self.ids("/user/effective_groups", user.token, "groups")),
                         sorted([mid, top]))
        self.assertEqual(self.ids("/user/effective_spaces", user.token, "spaces"), [space])
        resp = self.srv.get("/spaces/" + space, token=user.token)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["spaceId"], space)
        # and infer_access_token_scope sees the space
        resp = self.srv.post("/tokens/infer_access_token_scope", body={"token": user.token})
        self.assertStatus(resp, 200)
        self.assertIn(space, resp.json["dataAccessScope"]["spaces"])
        # a stranger sees nothing of it
        self.assertForbidden(self.srv.get("/spaces/" + space, token=self.bob.token))
        self.assertNotFound(self.srv.get("/groups/nosuch", token=self.bob.token))

    def test_revoked_and_expired_invites(self):
        tid, inv = self.invite(self.owner.token, "userJoinGroup", self.group)
        resp = self.srv.patch("/tokens/named/" + tid, body={"revoked": True},
                              token=self.owner.token)
        self.assertStatus(resp, 204)
        self.assertError(self.join("/user/groups/join", self.bob.token, inv), 400, "tokenRevoked")
        # an invite whose time caveat is over
        past = {"type": "time", "validUntil": now() - 10}
        _, inv = self.invite(self.owner.token, "userJoinGroup", self.group, caveats=[past])
        resp = self.join("/user/groups/join", self.bob.token, inv)
        self.assertError(resp, 400, "tokenCaveatUnverified")
        # all temporary tokens of the issuer revoked
        _, inv = self.invite(self.owner.token, "userJoinGroup", self.group, named=False)
        issuer = self.srv.quick_user()
        self.srv.admin("group", "add-user", self.group, issuer.id, "--privileges",
                       "group_add_user")
        _, inv = self.invite(issuer.token, "userJoinGroup", self.group, named=False)
        self.assertStatus(self.srv.delete("/user/tokens/temporary", token=issuer.token), 204)
        self.assertError(self.join("/user/groups/join", self.bob.token, inv), 400, "tokenRevoked")

    def test_consumer_caveat(self):
        carol = self.srv.quick_user()
        dave = self.srv.quick_user()
        caveat = {"type": "consumer", "whitelist": ["usr-" + dave.id]}
        _, inv = self.invite(self.owner.token, "userJoinGroup", self.group, caveats=[caveat])
        resp = self.join("/user/groups/join", carol.token, inv)
        self.assertError(resp, 400, "tokenCaveatUnverified")
        self.assertStatus(self.join("/user/groups/join", dave.token, inv), 201)

    def test_issuer_losing_the_right(self):
        issuer = self.srv.quick_user()
        self.srv.admin("group", "add-user", self.group, issuer.id, "--privileges",
                       "group_add_user,group_view")
        tid, named = self.invite(issuer.token, "userJoinGroup", self.group)
        _, temp = self.invite(issuer.token, "userJoinGroup", self.group, named=False)
        self.srv.admin("group", "revoke", self.group, issuer.id, "group_add_user")
        for inv in (named, temp):
            resp = self.join("/user/groups/join", self.bob.token, inv)
            self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized")
        self.assertEqual(self.usage(issuer.token, tid), 0)
        self.srv.admin("group", "grant", self.group, issuer.id, "group_add_user")
        self.assertStatus(self.join("/user/groups/join", self.bob.token, named), 201)

    def test_custom_privileges(self):
        issuer = self.srv.quick_user()
        self.srv.admin("group", "add-user", self.group, issuer.id, "--privileges",
                       "group_add_user,group_set_privileges")
        privs = ["group_add_user", "group_view"]
        tid, inv = self.invite(issuer.token, "userJoinGroup", self.group, privileges=privs)
        # without group_set_privileges the custom privileges are no longer allowed
        self.srv.admin("group", "revoke", self.group, issuer.id, "group_set_privileges")
        resp = self.join("/user/groups/join", self.bob.token, inv)
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized")
        self.srv.admin("group", "grant", self.group, issuer.id, "group_set_privileges")
        user = self.srv.quick_user()
        self.assertStatus(self.join("/user/groups/join", user.token, inv), 201)
        # the joined user holds exactly the carried privileges: may invite, may not set privileges
        self.invite(user.token, "userJoinGroup", self.group)
        resp = self.srv.post("/user/tokens/named", token=user.token, body={
            "name": "custom", "privileges": ["group_view", "group_update"],
            "type": {"inviteToken": {"inviteType": "userJoinGroup", "groupId": self.group}}})
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized")
        # a temporary invite carries only the defaults even from a privileged issuer
        resp = self.srv.post("/user/tokens/named", token=user.token, body={
            "name": "defaults", "privileges": ["group_view"],
            "type": {"inviteToken": {"inviteType": "userJoinGroup", "groupId": self.group}}})
        self.assertStatus(resp, 201)

    def test_blocked_issuer(self):
        issuer = self.srv.quick_user()
        self.srv.admin("group", "add-user", self.group, issuer.id, "--privileges", "group_add_user")
        _, inv = self.invite(issuer.token, "userJoinGroup", self.group)
        self.srv.admin("user", "block", issuer.id)
        resp = self.join("/user/groups/join", self.bob.token, inv)
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized")


class AdminCommands(InviteCase):
    """The admin tool's directory commands, seen through the REST reads."""

    def test_directory_commands(self):
        owner = self.srv.quick_user()
        member = self.srv.quick_user()
        parent = self.entity("group", owner)
        child = self.entity("group", owner)
        harvester = self.entity("harvester", owner)
        inventory = self.entity("atm-inventory", owner)
        space = self.entity("space", owner)
        admin = self.srv.admin
        admin("group", "add-user", child, member.id)
        admin("group", "add-group", parent, child)
        admin("harvester", "add-group", harvester, parent, "--privileges", "harvester_view")
        admin("harvester", "add-space", harvester, space)
        admin("atm-inventory", "add-user", inventory, member.id)
        self.assertEqual(sorted(self.ids("/user/effective_groups", member.token, "groups")),
                         sorted([parent, child]))
        self.assertEqual(self.ids("/user/effective_harvesters", member.token, "harvesters"),
                         [harvester])
        self.assertEqual(self.ids("/user/atm_inventories", member.token, "atmInventories"),
                         [inventory])
        # refused: a cycle, an existing member, an unknown privilege, a missing member
        for args in (("group", "add-group", child, parent),
                     ("harvester", "add-space", harvester, space),
                     ("group", "grant", parent, child, "no_such_privilege"),
                     ("harvester", "grant", harvester, member.id, "harvester_view")):
            with self.subTest(args=args):
                with self.assertRaises(ToolError):
                    admin(*args)
        # granting through the group makes the member able to invite to the harvester
        admin("harvester", "grant", harvester, parent, "harvester_add_user")
        self.invite(member.token, "userJoinHarvester", harvester)
        admin("harvester", "revoke", harvester, parent, "harvester_add_user")
        resp = self.srv.post("/user/tokens/named", token=member.token, body={
            "name": "hh", "type": {"inviteToken": {"inviteType": "userJoinHarvester",
                                                   "harvesterId": harvester}}})
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized")
        # an unknown harvester is not a valid target
        resp = self.srv.post("/user/tokens/named", token=member.token, body={
            "name": "hx", "type": {"inviteToken": {"inviteType": "userJoinHarvester",
                                                   "harvesterId": "nosuch"}}})
        self.assertError(resp, 400, "inviteTokenTargetIdInvalid", {"id": "nosuch"})


class UsageLimits(InviteCase):
    @classmethod
    def setUpWorld(cls):
        cls.owner = cls.srv.quick_user("owner")

    def test_limit_reached(self):
        space = self.entity("space", self.owner)
        tid, inv = self.invite(self.owner.token, "userJoinSpace", space, usageLimit=2)
        for _ in range(2):
            self.assertStatus(self.join("/user/spaces/join", self.srv.quick_user().token, inv), 201)
        resp = self.join("/user/spaces/join", self.srv.quick_user().token, inv)
        self.assertError(resp, 400, "inviteTokenUsageLimitReached")
        self.assertEqual(self.usage(self.owner.token, tid), 2)
        # changing the custom metadata keeps the count
        resp = self.srv.patch("/tokens/named/" + tid, body={"customMetadata": {"a": 1}},
                              token=self.owner.token)
        self.assertStatus(resp, 204)
        got = self.srv.get("/tokens/named/" + tid, token=self.owner.token).json["metadata"]
        self.assertEqual((got["custom"], got["usageCount"], got["usageLimit"]), ({"a": 1}, 2, 2))

    def test_twenty_concurrent_consumers_limit_five(self):
        space = self.entity("space", self.owner)
        tid, inv = self.invite(self.owner.token, "userJoinSpace", space, usageLimit=5)
        users = [self.srv.quick_user() for _ in range(20)]
        results = [None] * len(users)
        start = threading.Barrier(len(users), timeout=60)

        def consume(i):
            try:
                start.wait()
            except threading.BrokenBarrierError:
                pass
            results[i] = self.join("/user/spaces/join", users[i].token, inv)

        threads = [threading.Thread(target=consume, args=(i,)) for i in range(len(users))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertFalse(any(t.is_alive() for t in threads), "consumers did not finish")
        ok = [r for r in results if r.status == 201]
        self.assertEqual(len(ok), 5, [r.status for r in results])
        for r in results:
            if r.status != 201:
                self.assertError(r, 400, "inviteTokenUsageLimitReached")
        self.assertEqual(self.usage(self.owner.token, tid), 5)
        joined = sum(1 for u in users if self.ids("/user/spaces", u.token, "spaces") == [space])
        self.assertEqual(joined, 5)


    def test_two_servers_on_one_store(self):
        """Consumers race through two server processes on the same store (the data directory,
        or in a PostgreSQL run the same database)."""
        other = Server(domain=DOMAIN, data_dir=self.srv.data_dir, database=self.srv.pgdb)
        try:
            other.start()
            space = self.entity("space", self.owner)
            tid, inv = self.invite(self.owner.token, "userJoinSpace", space, usageLimit=5)
            users = [self.srv.quick_user() for _ in range(20)]
            results = [None] * len(users)
            start = threading.Barrier(len(users), timeout=60)

            def consume(i):
                try:
                    start.wait()
                except threading.BrokenBarrierError:
                    pass
                node = self.srv if i % 2 else other
                results[i] = node.post("/user/spaces/join", body={"token": inv},
                                       token=users[i].token)

            threads = [threading.Thread(target=consume, args=(i,)) for i in range(len(users))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            self.assertFalse(any(t.is_alive() for t in threads), "consumers did not finish")
            self.assertEqual(sum(1 for r in results if r.status == 201), 5,
                             [r.status for r in results])
            for r in results:
                if r.status != 201:
                    self.assertError(r, 400, "inviteTokenUsageLimitReached")
            self.assertEqual(self.usage(self.owner.token, tid), 5)
        finally:
            other.stop()
            other.kill()


class ProvidersAndSupport(InviteCase):
    @classmethod
    def setUpWorld(cls):
        cls.owner = cls.srv.quick_user("owner")

    def register(self, inv, **extra):
        body = {"token": inv, "name": "p1", "subdomainDelegation": False,
                "domain": "p1.example.com", "adminEmail": "admin@example.com"}
        body.update(extra)
        return self.srv.post("/providers", body=body)

    def registered(self):
        _, inv = self.invite(self.owner.token, "registerOneprovider", self.owner.id)
        resp = self.register(inv)
        self.assertStatus(resp, 200)
        return resp.json["providerId"], resp.json["providerRootToken"]

    def test_registration_then_root_token(self):
        tid, inv = self.invite(self.owner.token, "registerOneprovider", self.owner.id,
                               usageLimit=1)
        resp = self.register(inv)  # no credentials at all
        self.assertStatus(resp, 200)
        self.assertEqual(sorted(resp.json), ["macaroon", "providerId", "providerRootToken"])
        self.assertEqual(resp.json["macaroon"], resp.json["providerRootToken"])
        pid, root = resp.json["providerId"], resp.json["providerRootToken"]
        self.assertEqual(self.usage(self.owner.token, tid), 1)
        self.assertError(self.register(inv), 400, "inviteTokenUsageLimitReached")
        # the provider authenticates with its root token
        self.assertEqual(self.ids("/provider/spaces", root, "spaces"), [])
        examined = self.srv.examine(root)
        self.assertEqual(examined["subject"], {"type": "oneprovider", "id": pid})
        self.assertStatus(self.srv.get("/provider/tokens/named", token=root), 200)
        # the invite's target is the admin of the new cluster
        self.assertIn(pid, self.ids("/user/clusters", self.owner.token, "clusters"))

    def test_registration_after_the_admin_is_gone(self):
        inviter = self.srv.quick_user()
        self.srv.admin("user", "grant", inviter.id, "oz_providers_invite")
        target = self.srv.quick_user()
        _, inv = self.invite(inviter.token, "registerOneprovider", target.id)
        _, own = self.invite(target.token, "registerOneprovider", target.id)
        self.srv.admin("user", "delete", target.id)
        self.assertError(self.register(inv), 400, "inviteTokenTargetIdInvalid", {"id": target.id})
        self.assertError(self.register(own), 400, "tokenInvalid")

    def test_registration_errors(self):
        _, inv = self.invite(self.owner.token, "registerOneprovider", self.owner.id)
        self.assertError(self.srv.post("/providers", body={"token": inv}), 400,
                         "missingRequiredValue", {"key": "adminEmail"})
        resp = self.register(inv, subdomainDelegation=False, domain=None)
        self.assertError(resp, 400, "badValueString", {"key": "domain"})
        body = {"subdomainDelegation": True, "subdomain": "prov1", "ipList": ["10.0.0.1"]}
        self.assertStatus(self.register(inv, **body), 200)
        self.assertError(self.register(inv, **body), 400, "badValueIdentifierOccupied",
                         {"key": "subdomain"})
        _, access = self.srv.named_token("/user", self.owner.token)
        resp = self.register(access)
        self.assertError(resp, 400, "badValueToken")
        self.assertEqual(resp.json["error"]["details"]["tokenError"]["id"], "notAnInviteToken")
        # somebody else's registration invite needs oz_providers_invite
        other = self.srv.quick_user()
        resp = self.srv.post("/user/tokens/named", token=other.token, body={
            "name": "rr", "type": {"inviteToken": {"inviteType": "registerOneprovider",
                                                  "adminUserId": self.owner.id}}})
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized")

    def test_support_then_status_authorization(self):
        pid, root = self.registered()
        space = self.entity("space", self.owner)
        member = self.srv.quick_user()
        _, inv = self.invite(self.owner.token, "userJoinSpace", space)
        self.assertStatus(self.join("/user/spaces/join", member.token, inv), 201)
        token_id, _ = self.srv.named_token("/user", member.token)
        status = "/tokens/named/%s/status" % token_id
        self.assertForbidden(self.srv.get(status, token=root))
        tid, sinv = self.invite(self.owner.token, "supportSpace", space)
        resp = self.srv.post("/provider/spaces/support", body={"token": sinv, "size": 999999},
                             token=root)
        self.assertError(resp, 400, "badValueTooLow", {"key": "size", "limit": 1000000})
        # only a provider supports spaces
        resp = self.srv.post("/provider/spaces/support", body={"token": sinv, "size": 1000000},
                             token=member.token)
        self.assertForbidden(resp)
        resp = self.srv.post("/provider/spaces/support", body={"token": sinv, "size": 1000000})
        self.assertError(resp, 401, "unauthorized")
        resp = self.srv.post("/provider/spaces/support", body={"token": sinv, "size": "big"},
                             token=root)
        self.assertError(resp, 400, "badValueInteger", {"key": "size"})
        resp = self.srv.post("/provider/spaces/support", body={"token": sinv}, token=root)
        self.assertError(resp, 400, "missingRequiredValue", {"key": "size"})
        resp = self.srv.post("/provider/spaces/support", body={"token": sinv, "size": 1000000},
                             token=root)
        self.assertJoined(resp, "/provider/spaces/" + space)
        self.assertEqual(self.usage(self.owner.token, tid), 1)
        self.assertStatus(self.srv.get(status, token=root), 200)
        self.assertEqual(self.ids("/provider/spaces", root, "spaces"), [space])
        self.assertEqual(self.ids("/spaces/%s/providers" % space, member.token, "providers"), [pid])
        resp = self.srv.get("/spaces/" + space, token=root)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["providers"], {pid: 1000000})
        resp = self.srv.post("/provider/spaces/support", body={"token": sinv, "size": 1000000},
                             token=root)
        details, text = already("space", space, "provider", pid, "is already supported by")
        self.assertError(resp, 409, "relationAlreadyExists", details, text)
        scope = self.srv.post("/tokens/infer_access_token_scope", body={"token": member.token})
        self.assertIn(pid, scope.json["dataAccessScope"]["spaces"][space]["supports"])


class LegacyRoutes(InviteCase):
    """§E.3 invite shortcuts and the legacy /user/client_tokens of rest-api §9."""

    @classmethod
    def setUpWorld(cls):
        cls.owner = cls.srv.quick_user("owner")

    def test_shortcuts(self):
        group = self.entity("group", self.owner, "A group with a rather long name for trimming")
        space = self.entity("space", self.owner)
        harvester = self.entity("harvester", self.owner)
        prov = self.srv.provider(admin_user=self.owner)
        cases = [
            ("/groups/%s/users/token" % group, "userJoinGroup", "groupId", group,
             "user invite to group - "),
            ("/groups/%s/children/token" % group, "groupJoinGroup", "groupId", group,
             "group invite to group - "),
            ("/spaces/%s/users/token" % space, "userJoinSpace", "spaceId", space,
             "user invite to space - "),
            ("/spaces/%s/groups/token" % space, "groupJoinSpace", "spaceId", space,
             "group invite to space - "),
            ("/spaces/%s/providers/token" % space, "supportSpace", "spaceId", space,
             "support request for space - "),
            ("/clusters/%s/users/token" % prov.id, "userJoinCluster", "clusterId", prov.id,
             "user invite to cluster - "),
            ("/clusters/%s/groups/token" % prov.id, "groupJoinCluster", "clusterId", prov.id,
             "group invite to cluster - "),
            ("/harvesters/%s/users/token" % harvester, "userJoinHarvester", "harvesterId",
             harvester, "user invite to harvester - "),
            ("/harvesters/%s/groups/token" % harvester, "groupJoinHarvester", "harvesterId",
             harvester, "group invite to harvester - "),
            ("/harvesters/%s/spaces/token" % harvester, "spaceJoinHarvester", "harvesterId",
             harvester, "space invite to harvester - "),
            ("/user/clusters/provider_registration_token", "registerOneprovider", "adminUserId",
             self.owner.id, "Oneprovider rgstr. token for - "),
            ("/users/%s/clusters/provider_registration_token" % self.owner.id,
             "registerOneprovider", "adminUserId", self.owner.id,
             "Oneprovider rgstr. token for - "),
        ]
        for path, itype, key, target, prefix in cases:
            with self.subTest(path=path):
                resp = self.srv.post(path, token=self.owner.token)
                self.assertStatus(resp, 200)
                self.assertEqual(list(resp.json), ["token"])
                examined = self.srv.examine(resp.json["token"])
                self.assertEqual(examined["type"]["inviteToken"]["inviteType"], itype)
                self.assertEqual(examined["type"]["inviteToken"][key], target)
                self.assertEqual(examined["persistence"], "named")
                got = self.srv.get("/tokens/named/" + examined["id"], token=self.owner.token).json
                self.assertTrue(got["name"].startswith(prefix[:20]), got["name"])
                self.assertLessEqual(len(got["name"].encode()), 50)
                self.assertEqual(got["metadata"]["usageLimit"], 1)
        # the long group name was cut with "..."
        resp = self.srv.post("/groups/%s/users/token" % group, token=self.owner.token)
        name = self.srv.get("/tokens/named/" + self.srv.examine(resp.json["token"])["id"],
                            token=self.owner.token).json["name"]
        self.assertIn("...", name)
        # usable once
        user = self.srv.quick_user()
        self.assertStatus(self.join("/user/groups/join", user.token, resp.json["token"]), 201)
        resp2 = self.join("/user/groups/join", self.srv.quick_user().token, resp.json["token"])
        self.assertError(resp2, 400, "inviteTokenUsageLimitReached")

    def test_shortcut_errors(self):
        group = self.entity("group", self.owner)
        stranger = self.srv.quick_user()
        self.assertForbidden(self.srv.post("/groups/%s/users/token" % group, token=stranger.token))
        self.assertError(self.srv.post("/groups/%s/users/token" % group), 401, "unauthorized")
        self.assertNotFound(self.srv.post("/groups/nosuch/users/token", token=self.owner.token))
        self.assertForbidden(self.srv.post("/users/%s/clusters/provider_registration_token"
                                           % self.owner.id, token=stranger.token))

    def test_client_tokens(self):
        user = self.srv.quick_user()
        resp = self.srv.post("/user/client_tokens", token=user.token)
        self.assertStatus(resp, 200)
        token = resp.json["token"]
        examined = self.srv.examine(token)
        self.assertEqual(examined["type"], {"accessToken": {}})
        until = [c for c in examined["caveats"] if c["type"] == "time"][0]["validUntil"]
        self.assertTrue(now() + 364 * 86400 <= until <= now() + 366 * 86400)
        got = self.srv.get("/tokens/named/" + examined["id"], token=user.token).json
        self.assertRegex(got["name"], r"^access token \d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\dZ [0-9a-f]{6}$")
        # invites are not client tokens
        self.invite(user.token, "registerOneprovider", user.id)
        self.assertEqual(self.ids("/user/client_tokens", user.token, "tokens"), [token])
        self.assertStatus(self.srv.get("/user", token=token), 200)
        self.assertEmpty(self.srv.delete("/user/client_tokens/" + token, token=user.token))
        self.assertEqual(self.ids("/user/client_tokens", user.token, "tokens"), [])
        self.assertNotFound(self.srv.delete("/user/client_tokens/" + token, token=user.token))
        self.assertError(self.srv.get("/user/client_tokens"), 401, "unauthorized")


# the REST client's operations for these routes (test_cli runs the token operations)
CLI_OPERATIONS = {
    "joinGroup", "joinParentGroup", "joinSpace", "groupJoinSpace", "harvesterJoinSpace",
    "userJoinCluster", "groupJoinCluster", "joinHarvester", "groupJoinHarvester",
    "spaceJoinHarvester", "joinAtmInventory", "groupJoinAtmInventory", "supportSpace",
    "registerProvider", "listUserGroups", "listEffectiveUserGroups", "listUserSpaces",
    "listEffectiveUserSpaces", "listUserClusters", "listUserEffectiveClusters",
    "listUserHarvesters", "listEffectiveUserHarvesters", "listUserAtmInventories",
    "listEffectiveUserAtmInventories", "getGroup", "getSpace", "listSpaceProviders",
    "listProviderSpaces", "createUserGroupInviteToken", "createChildGroupToken",
    "createSpaceUserInviteToken", "createSpaceGroupToken", "createSpaceSupportToken",
    "createClusterUserInviteToken", "createClusterGroupInviteToken",
    "createHarvesterUserInviteToken", "createHarvesterGroupToken",
    "createHarvesterInviteSpaceToken", "createProviderRegistrationTokenForCurrentUser",
    "createProviderRegistrationTokenForUser", "createClientToken", "listClientTokens",
    "removeClientToken",
}


class CliOperations(InviteCase):
    """`tokenzone OPERATION param=value` for every join, directory and legacy operation."""

    @classmethod
    def setUpWorld(cls):
        cls.owner = cls.srv.quick_user("owner")

    def cli(self, who, *args, ok=True):
        env = {"PATH": "/usr/bin:/bin", "ONEZONE_HOST": self.srv.base}
        if who:
            env["ONEZONE_API_KEY"] = who
        self.seen.add(args[0])
        proc = subprocess.run([BIN] + list(args), capture_output=True, env=env, timeout=90)
        if ok:
            self.assertEqual(proc.returncode, 0, proc)
        out = proc.stdout.decode()
        return json.loads(out) if out.strip() else None

    def shortcut(self, op, *args):
        return self.cli(self.owner.token, op, *args)["token"]

    def test_every_operation(self):
        self.seen = set()
        o = self.owner.token
        user = self.srv.quick_user()
        u = user.token
        group = self.entity("group", user)
        space, ospace = self.entity("space", user), self.entity("space", self.owner)
        harvester, oharvester = self.entity("harvester", user), self.entity("harvester", self.owner)
        ogroup = self.entity("group", self.owner)
        inventory = self.entity("atm-inventory", self.owner)
        prov = self.srv.provider(admin_user=self.owner)

        self.cli(u, "joinGroup", "token=" + self.shortcut("createUserGroupInviteToken", "id=" + ogroup))
        self.cli(u, "joinParentGroup", "id=" + group,
                 "token=" + self.shortcut("createChildGroupToken", "id=" + ogroup))
        self.cli(u, "joinSpace", "token=" + self.shortcut("createSpaceUserInviteToken", "id=" + ospace))
        ospace2 = self.entity("space", self.owner)
        self.cli(u, "groupJoinSpace", "id=" + group,
                 "token=" + self.shortcut("createSpaceGroupToken", "id=" + ospace2))
        self.cli(u, "userJoinCluster",
                 "token=" + self.shortcut("createClusterUserInviteToken", "id=" + prov.id))
        self.cli(u, "groupJoinCluster", "id=" + group,
                 "token=" + self.shortcut("createClusterGroupInviteToken", "id=" + prov.id))
        self.cli(u, "joinHarvester",
                 "token=" + self.shortcut("createHarvesterUserInviteToken", "id=" + oharvester))
        self.cli(u, "groupJoinHarvester", "id=" + group,
                 "token=" + self.shortcut("createHarvesterGroupToken", "id=" + oharvester))
        self.cli(u, "spaceJoinHarvester", "id=" + space,
                 "token=" + self.shortcut("createHarvesterInviteSpaceToken", "id=" + oharvester))
        ospace3 = self.entity("space", self.owner)
        _, inv = self.invite(o, "harvesterJoinSpace", ospace3)
        self.cli(u, "harvesterJoinSpace", "id=" + harvester, "token=" + inv)
        _, inv = self.invite(o, "userJoinAtmInventory", inventory)
        self.cli(u, "joinAtmInventory", "token=" + inv)
        _, inv = self.invite(o, "groupJoinAtmInventory", inventory)
        self.cli(u, "groupJoinAtmInventory", "id=" + group, "token=" + inv)

        reg = self.shortcut("createProviderRegistrationTokenForCurrentUser")
        got = self.cli(None, "registerProvider", "token=" + reg, "name=cli provider",
                       "subdomainDelegation=false", "domain=cli.example.com",
                       "adminEmail=a@example.com")
        root = got["providerRootToken"]
        self.shortcut("createProviderRegistrationTokenForUser", "id=" + self.owner.id)
        self.cli(root, "supportSpace", "size=1000000",
                 "token=" + self.shortcut("createSpaceSupportToken", "id=" + ospace))
        self.assertEqual(self.cli(root, "listProviderSpaces"), {"spaces": [ospace]})
        self.assertEqual(self.cli(u, "listSpaceProviders", "id=" + ospace),
                         {"providers": [got["providerId"]]})

        self.assertEqual(self.cli(u, "listUserGroups"), {"groups": sorted([group, ogroup])})
        self.assertIn(ogroup, self.cli(u, "listEffectiveUserGroups")["groups"])
        self.assertEqual(sorted(self.cli(u, "listUserSpaces")["spaces"]), sorted([space, ospace]))
        self.assertIn(ospace2, self.cli(u, "listEffectiveUserSpaces")["spaces"])
        self.assertEqual(self.cli(u, "listUserClusters"), {"clusters": [prov.id]})
        self.assertEqual(self.cli(u, "listUserEffectiveClusters"), {"clusters": [prov.id]})
        self.assertEqual(sorted(self.cli(u, "listUserHarvesters")["harvesters"]),
                         sorted([harvester, oharvester]))
        self.assertIn(oharvester, self.cli(u, "listEffectiveUserHarvesters")["harvesters"])
        self.assertEqual(self.cli(u, "listUserAtmInventories"), {"atmInventories": [inventory]})
        self.assertEqual(self.cli(u, "listEffectiveUserAtmInventories"),
                         {"atmInventories": [inventory]})
        self.assertEqual(self.cli(u, "getGroup", "id=" + ogroup)["groupId"], ogroup)
        self.assertEqual(self.cli(u, "getSpace", "id=" + ospace)["spaceId"], ospace)

        client = self.cli(u, "createClientToken")["token"]
        self.assertEqual(self.cli(u, "listClientTokens"), {"tokens": [client]})
        self.cli(u, "removeClientToken", "id=" + client)
        self.assertEqual(self.cli(u, "listClientTokens"), {"tokens": []})
        self.assertEqual(self.seen, CLI_OPERATIONS)


class ZoneName(ServerTestCase):
    @classmethod
    def server_args(cls):
        return {"extra_args": ("--zone-name", "Test Zone")}

    def test_configuration_name(self):
        resp = self.srv.get("/configuration")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["name"], "Test Zone")
