"""Expected error descriptions, rendered from an error object's id and details exactly as the
error catalogue (shared spec errors.md) prescribes. describe() returns None only where the
catalogue leaves the text open (then the caller checks the id and details alone)."""
import base64
import datetime
import json
import re

FIXED = {
    "forbidden": "You are not authorized to perform this operation.",
    "notFound": "The resource could not be found.",
    "alreadyExists": "The resource already exists.",
    "notSupported": "This operation is not supported.",
    "serviceUnavailable": "Service required for this operation is offline.",
    "badToken": "Provided token could not be understood by the server.",
    "tokenInvalid": "Provided token is not valid.",
    "tokenRevoked": "Provided token has been revoked.",
    "tokenSubjectInvalid": "The token subject is invalid (does not exist or is different than "
                           "expected).",
    "tokenSessionInvalid": "This token is bound to a session different than presented by the "
                           "client or no longer existent.",
    "userBlocked": "This user account has been blocked by the administrator and cannot be used "
                   "unless it is unblocked again.",
    "badBasicCredentials": "Invalid username or password.",
    "basicAuthNotSupported": "Basic auth is not supported by this Onezone.",
    "basicAuthDisabled": "Basic auth is disabled for this user.",
    "badServiceToken": "Provided service token is not valid (see details).",
    "badConsumerToken": "Provided consumer token is not valid (see details).",
    "inviteTokenSubjectNotAuthorized": "The subject of this token is not (or no longer) authorized "
                                       "to issue such invitations.",
    "inviteTokenUsageLimitReached": "The usage limit of this invite token has been reached.",
    "malformedData": "Provided data could not be understood by the server.",
    "badValueName": "Bad value: Name must be 2-128 characters long and composed only of UTF-8 "
                    "letters, digits, brackets and underscores. Dashes, spaces and dots are "
                    "allowed (but not at the beginning or the end).",
}

KEYED = {
    "missingRequiredValue": "Missing required value: {key}.",
    "badData": 'Bad value: provided "{key}" has an invalid format or is incomprehensible in the '
               'context of this operation.',
    "badValueEmpty": 'Bad value: provided "{key}" must not be empty.',
    "badValueBoolean": 'Bad value: provided "{key}" must be a boolean.',
    "badValueString": 'Bad value: provided "{key}" must be a string.',
    "badValueListOfStrings": 'Bad value: provided "{key}" must be a list of strings.',
    "badValueInteger": 'Bad value: provided "{key}" must be an integer.',
    "badValueJSON": 'Bad value: provided "{key}" must be a valid JSON.',
    "badValueToken": 'Bad value: provided "{key}" is not a valid token (see details).',
    "badValueTokenType": 'Bad value: provided "{key}" is not a valid token type.',
    "badValueInviteType": 'Bad value: provided "{key}" is not a valid invite type.',
    "badValueIPv4Address": 'Bad value: provided "{key}" is not a valid IPv4 address.',
    "badValueIdentifierOccupied": 'Bad value: provided identifier ("{key}") is already occupied.',
}

SERVICE_TYPES = {"ozw": "oz_worker", "ozp": "oz_panel", "opw": "op_worker", "opp": "op_panel"}
CONSUMER_TYPES = {"usr": "user", "grp": "group"}

INVITE_PRINTABLE = {
    "userJoinGroup": ('groupId', 'invite token for a user to join group "{}"'),
    "groupJoinGroup": ('groupId', 'invite token for a group to join group "{}"'),
    "userJoinSpace": ('spaceId', 'invite token for a user to join space "{}"'),
    "groupJoinSpace": ('spaceId', 'invite token for a group to join space "{}"'),
    "supportSpace": ('spaceId', 'invite token to grant support for space "{}"'),
    "harvesterJoinSpace": ('spaceId',
                           'invite token for a harvester to become a metadata sink for space "{}"'),
    "registerOneprovider": ('adminUserId',
                            'invite token to register a Oneprovider for admin user "{}"'),
    "userJoinCluster": ('clusterId', 'invite token for a user to join cluster "{}"'),
    "groupJoinCluster": ('clusterId', 'invite token for a group to join cluster "{}"'),
    "userJoinHarvester": ('harvesterId', 'invite token for a user to join harvester "{}"'),
    "groupJoinHarvester": ('harvesterId', 'invite token for a group to join harvester "{}"'),
    "spaceJoinHarvester": ('harvesterId',
                           'invite token for a space to become a metadata source for harvester "{}"'),
    "userJoinAtmInventory": ('atmInventoryId',
                             'invite token for a user to join automation inventory "{}"'),
    "groupJoinAtmInventory": ('atmInventoryId',
                              'invite token for a group to join automation inventory "{}"'),
}

CONSUMER_TAIL = (" - if that's you, you should:\n"
                 "   * send your access token in 'x-auth-token' header if consuming an invite token\n"
                 "   * send your identity token in 'x-onedata-consumer-token' header if performing an "
                 "operation on behalf of somebody else with their access token\n"
                 "   * send your identity token in 'consumerToken' field if using token verification API")


def snake(name):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def printable_type(t):
    """The "printable type" of a token type JSON (errors.md §6); None if unknown."""
    if not isinstance(t, dict):
        return None
    if "accessToken" in t:
        sid = (t["accessToken"] or {}).get("sessionId")
        return 'access token for session "%s"' % sid if sid else "access token"
    if "identityToken" in t:
        return "identity token"
    inv = t.get("inviteToken")
    if isinstance(inv, dict) and inv.get("inviteType") in INVITE_PRINTABLE:
        key, tmpl = INVITE_PRINTABLE[inv["inviteType"]]
        return tmpl.format(inv.get(key))
    return None


def caveat_phrase(c):
    """The tokenCaveatUnverified phrase for a caveat JSON; None where the catalogue is open."""
    if not isinstance(c, dict):
        return None
    if c.get("scope") == "identityToken" and "type" not in c:
        return "this token carries no authorization (can be used only for identity verification)"
    t = c.get("type")
    if t == "time":
        when = datetime.datetime.fromtimestamp(c["validUntil"], datetime.timezone.utc)
        return "unverified time caveat: this token has expired at '%s'" % when.strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    if t == "ip":
        return ("unverified IP caveat: this token can only be used from an IP address that "
                "matches: '%s'" % " or ".join(c["whitelist"]))
    if t == "asn":
        return ("unverified ASN caveat: this token can only be used from an IP address that maps "
                "to the following Autonomous System Number: '%s'"
                % " or ".join(str(a) for a in c["whitelist"]))
    if t in ("geo.country", "geo.region"):
        what = "country" if t == "geo.country" else "region"
        verb = "comes" if c["filter"] == "whitelist" else "does NOT come"
        return ("unverified %s caveat: this token can only be used from an IP address that %s "
                "from the following %s: '%s'" % (what, verb, what, " or ".join(c["list"])))
    if t == "service":
        parts = []
        for s in c["whitelist"]:
            if s[:3] not in SERVICE_TYPES or s[3:4] != "-":
                return None
            parts.append("%s:%s" % (SERVICE_TYPES[s[:3]], s[4:]))
        return ("unverified service caveat: the service using this token must authenticate as "
                "'%s' (use the x-onedata-service-token header), or the requested API operation "
                "is disallowed for the whitelisted services" % " or ".join(parts))
    if t == "consumer":
        parts = []
        for s in c["whitelist"]:
            # the printed type of a provider consumer is not fixed by the catalogue
            if s[:3] not in CONSUMER_TYPES or s[3:4] != "-":
                return None
            parts.append("%s:%s" % (CONSUMER_TYPES[s[:3]], s[4:]))
        return ("unverified consumer caveat: the consumer of this token must authenticate as "
                "'%s'" % " or ".join(parts)) + CONSUMER_TAIL
    if t == "interface":
        return ("unverified interface caveat: this token can only be used in the '%s' interface"
                % c["interface"])
    if t == "api":
        return ("unverified API caveat: this token can only be used for API calls that match the "
                "following spec: '%s'" % " or ".join(c["whitelist"]))
    if t == "data.readonly":
        return "unverified data access caveat: this token allows for readonly data access"
    if t == "data.path":
        paths = [base64.b64decode(p).decode("utf-8", "replace") for p in c["whitelist"]]
        return ("unverified data path caveat: this token can only be used to access data under "
                "the following paths (and nested directories): '%s'" % " or ".join(paths))
    if t == "data.objectid":
        return ("unverified data path caveat: this token can only be used to access data with "
                "the following FILE_ID (and nested directories): '%s'" % " or ".join(c["whitelist"]))
    return None


def erlang_binary_list(items):
    return "[" + ",".join('<<"%s">>' % i for i in items) + "]"


def describe(err):
    """Expected description of an error object {"id", "details"?}, or None if open."""
    eid = err.get("id")
    d = err.get("details") or {}
    if eid in FIXED:
        return FIXED[eid]
    if eid in KEYED:
        if "key" not in d:
            return None
        return KEYED[eid].format(key=d["key"])
    if eid == "unauthorized":
        if "authError" in d:
            return "Provided authentication is not valid (see details)."
        return "You must authenticate yourself to perform this operation."
    if eid == "internalServerError":
        if "reference" in d:
            return ("The server has encountered an error while processing this request. If the "
                    "problem persists, please contact the site's administrators, citing the "
                    "following reference: %s." % d["reference"])
        return "The server has encountered an error while processing this request."
    if eid == "tokenTooLarge":
        return "Provided token exceeds the allowed size (%s characters)." % d.get("limit")
    if eid in ("notAnAccessToken", "notAnIdentityToken"):
        pt = printable_type(d.get("received"))
        if pt is None:
            return None
        kind = "access" if eid == "notAnAccessToken" else "identity"
        return "Expected an %s token, but received a(n) %s." % (kind, pt)
    if eid == "notAnInviteToken":
        pt = printable_type(d.get("received"))
        exp = d.get("expectedInviteType")
        if pt is None or not isinstance(exp, str):
            return None
        exp = "any" if exp == "any" else snake(exp)
        return "Expected an invitation token of type '%s', but received a(n) %s." % (exp, pt)
    if eid == "tokenCaveatUnknown":
        return "Unknown caveat - '%s'." % d.get("caveat")
    if eid == "tokenCaveatUnverified":
        phrase = caveat_phrase(d.get("caveat"))
        return None if phrase is None else "Provided token is not valid - %s." % phrase
    if eid == "tokenTimeCaveatRequired":
        return "You must specify a time caveat with maximum TTL of %s seconds." % d.get("maxTtl")
    if eid == "tokenServiceForbidden":
        s = d.get("service") or {}
        return "The service %s:%s is forbidden for this subject." % (s.get("type"), s.get("id"))
    if eid == "cannotAddRelationToSelf":
        return "Cannot add relation to self."
    if eid == "relationAlreadyExists":
        # types are Onezone model names (od_space); the text uses the GRI type (space)
        child, parent = d.get("childType", "")[3:], d.get("parentType", "")[3:]
        verb = ("is already supported by" if (child, parent) == ("space", "provider")
                else "is already a member of")
        return "Bad value: %s:%s %s %s:%s." % (child, d.get("childId"), verb, parent,
                                                d.get("parentId"))
    if eid == "inviteTokenTargetIdInvalid":
        return "The target id '%s' is invalid for this type of invite token." % d.get("id")
    if eid == "missingAtLeastOneValue":
        return ("Missing data, you must provide at least one of: %s."
                % erlang_binary_list(d.get("keys", [])))
    if eid == "badValueTooLow":
        return 'Bad value: provided "%s" must be at least %s.' % (d.get("key"), d.get("limit"))
    if eid == "badValueNotAllowed":
        return 'Bad value: provided "%s" must be one of: %s.' % (
            d.get("key"), ", ".join(str(a) for a in d.get("allowed", [])))
    if eid == "badValueListNotAllowed":
        return ('Bad value: provided "%s" must be a list containing zero or more following '
                'values: %s.' % (d.get("key"), ", ".join(str(a) for a in d.get("allowed", []))))
    if eid == "badValueCaveat":
        return "Provided caveat is invalid: '%s'." % json.dumps(
            d.get("caveat"), separators=(",", ":"), ensure_ascii=False)
    return None
