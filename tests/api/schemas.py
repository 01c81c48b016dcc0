"""Swagger 2.0 definitions of the Onezone token API as JSON Schema, for validating replies.

Every definitions/**/*.yaml of the swagger is loaded under the name its `$ref`s use: the file name
in CamelCase (token_property_custom_metadata.yaml -> TokenPropertyCustomMetadata, error.yaml ->
Error). Swagger-only constructs are translated, and where today's Onezone differs from the 2020
swagger the spec (rest-api.md §8 and the data model of §4) wins:

* polymorphic bases (`discriminator` + `x-onedata-subclasses`: Caveat, InviteToken) become a
  oneOf over their subclasses; the subclasses' `allOf` point at the plain base;
* the legacy caveat {"scope": "identityToken"} (no "type") is a valid Caveat;
* the invite types userJoinAtmInventory / groupJoinAtmInventory (atmInventoryId) exist;
* TokenPropertyTokenType's `enum` of example strings is documentation, not a constraint;
* metadata.usageLimit is an integer or "infinity"; metadata.privileges may be null (invite types
  that carry no privileges); VerifyTokenResponse.ttl is null for tokens without a time caveat;
* SupportParameters (referenced but not part of this subset) is any object.

Replies of routes absent from the swagger (infer_access_token_scope, configuration, current time,
user) have schemas written from the spec in EXTRA below.
"""
import copy
import glob
import os

from harness import SWAGGER_DIR

try:
    import jsonschema
    import yaml
except ImportError:  # reported by available()
    jsonschema = None
    yaml = None

_DEFS = None


def available():
    return jsonschema is not None and os.path.isdir(os.path.join(SWAGGER_DIR, "definitions"))


def _camel(basename):
    return "".join(p[:1].upper() + p[1:] for p in basename.split("_"))


def _strip_swagger(node):
    """Drops keys JSON Schema would misread (examples) and converts $refs to local ones."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in ("example", "discriminator") or k.startswith("x-"):
                continue
            out[k] = _strip_swagger(v)
        return out
    if isinstance(node, list):
        return [_strip_swagger(v) for v in node]
    return node


def _load_raw():
    raw = {}
    for path in sorted(glob.glob(os.path.join(SWAGGER_DIR, "definitions", "**", "*.yaml"),
                                 recursive=True)):
        name = _camel(os.path.splitext(os.path.basename(path))[0])
        with open(path, encoding="utf-8") as f:
            raw[name] = yaml.safe_load(f)
    return raw


def _subclasses(raw, base):
    """Definitions whose allOf extends `base`, keyed by their discriminator value."""
    ref = "#/definitions/" + base
    disc = raw[base].get("discriminator")
    found = {}
    for name, d in raw.items():
        parts = d.get("allOf") if isinstance(d, dict) else None
        if not parts or not any(p.get("$ref") == ref for p in parts if isinstance(p, dict)):
            continue
        for p in parts:
            prop = (p.get("properties") or {}).get(disc) if isinstance(p, dict) else None
            if prop and "x-discriminator-value" in prop:
                found[prop["x-discriminator-value"]] = name
    return found


def _build():
    raw = _load_raw()
    defs = {}
    for name, d in raw.items():
        defs[name] = _strip_swagger(d)
    # polymorphic bases -> plain base + oneOf dispatch
    for base in [n for n, d in raw.items() if isinstance(d, dict) and d.get("discriminator")]:
        subs = _subclasses(raw, base)
        plain = base + "Base"
        defs[plain] = defs[base]
        for sub in subs.values():
            for part in defs[sub]["allOf"]:
                if part.get("$ref") == "#/definitions/" + base:
                    part["$ref"] = "#/definitions/" + plain
        defs[base] = {"oneOf": [{"$ref": "#/definitions/" + s} for s in sorted(subs.values())]}
    # §8: invite types newer than the swagger
    if "InviteToken" in defs:
        for itype in ("userJoinAtmInventory", "groupJoinAtmInventory"):
            name = "InviteToken" + itype[0].upper() + itype[1:]
            defs[name] = {"allOf": [{"$ref": "#/definitions/InviteTokenBase"}, {
                "type": "object",
                "properties": {"inviteType": {"type": "string", "enum": [itype]},
                               "atmInventoryId": {"type": "string"}}}],
                "required": ["inviteType", "atmInventoryId"]}
            defs["InviteToken"]["oneOf"].append({"$ref": "#/definitions/" + name})
    # §8: the legacy scope caveat
    if "Caveat" in defs:
        defs["CaveatLegacyScope"] = {
            "type": "object", "required": ["scope"],
            "properties": {"scope": {"enum": ["identityToken"]}},
            "not": {"required": ["type"]}}
        defs["Caveat"]["oneOf"].append({"$ref": "#/definitions/CaveatLegacyScope"})
    tt = defs.get("TokenPropertyTokenType")
    if tt is not None:
        tt.pop("enum", None)
    md = defs.get("TokenPropertyMetadata")
    if md is not None:
        md["properties"]["usageLimit"] = {"oneOf": [{"type": "integer", "minimum": 1},
                                                    {"enum": ["infinity"]}]}
        md["properties"]["privileges"] = {"oneOf": [
            {"type": "array", "items": {"type": "string"}}, {"type": "null"}]}
    vr = defs.get("VerifyTokenResponse")
    if vr is not None:
        vr["properties"]["ttl"] = {"type": ["integer", "null"]}
    defs.setdefault("SupportParameters", {"type": "object"})
    defs.update(copy.deepcopy(EXTRA))
    return defs


_PROVIDER_INFO = {"type": "object", "required": ["name", "domain", "version", "online"],
                  "properties": {"name": {"type": "string"},
                                 "domain": {"type": ["string", "null"]},
                                 "version": {"type": ["string", "null"]},
                                 "online": {"type": "boolean"}}}

EXTRA = {
    # rest-api.md §6.3
    "InferAccessTokenScopeResponse": {
        "type": "object", "required": ["validUntil", "dataAccessScope"],
        "properties": {
            "validUntil": {"type": ["integer", "null"]},
            "dataAccessScope": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["readonly", "spaces", "providers"],
                "properties": {
                    "readonly": {"type": "boolean"},
                    "spaces": {"type": "object", "additionalProperties": {
                        "type": "object", "required": ["name", "supports"],
                        "properties": {"name": {"type": "string"},
                                       "supports": {"type": "object", "additionalProperties": {
                                           "type": "object", "required": ["readonly"],
                                           "properties": {"readonly": {"type": "boolean"}}}}}}},
                    "providers": {"type": "object", "additionalProperties": _PROVIDER_INFO}}}]}}},
    # rest-api.md §9
    "Configuration": {
        "type": "object",
        "required": ["name", "version", "build", "domain", "subdomainDelegationSupported",
                     "supportedIdPs", "compatibilityRegistryRevision",
                     "compatibleOneproviderVersions", "openDataXrootdServerDomain",
                     "bagitUploaderWorkflowSchemaId", "availableSpaceTags"],
        "properties": {
            "name": {"type": ["string", "null"]},
            "version": {"type": "string"},
            "build": {"type": "string"},
            "domain": {"type": "string"},
            "subdomainDelegationSupported": {"type": "boolean"},
            "supportedIdPs": {"type": "array"},
            "compatibleOneproviderVersions": {"type": "array", "items": {"type": "string"}},
            "openDataXrootdServerDomain": {"type": ["string", "null"]},
            "bagitUploaderWorkflowSchemaId": {"type": ["string", "null"]},
            "availableSpaceTags": {"type": "object"}}},
    "CurrentTime": {"type": "object", "required": ["timeMillis"],
                    "properties": {"timeMillis": {"type": "integer"}}},
    "User": {
        "type": "object",
        "required": ["userId", "fullName", "username", "basicAuthEnabled", "blocked", "emails",
                     "linkedAccounts", "creationTime", "name", "login", "alias", "emailList"],
        "properties": {
            "userId": {"type": "string"},
            "fullName": {"type": "string"},
            "username": {"type": ["string", "null"]},
            "basicAuthEnabled": {"type": "boolean"},
            "blocked": {"type": "boolean"},
            "emails": {"type": "array", "items": {"type": "string"}},
            "linkedAccounts": {"type": "array"},
            "creationTime": {"type": "integer"},
            "emailList": {"type": "array", "items": {"type": "string"}}}},
    # 201 of temporary token creation and 200 of confine: {"token": <serialized>}
    "SerializedTokenObject": {"type": "object", "required": ["token"],
                              "properties": {"token": {"$ref": "#/definitions/SerializedToken"}}},
}


def definitions():
    global _DEFS
    if _DEFS is None:
        _DEFS = _build()
    return _DEFS


def errors(definition, instance):
    """List of validation error messages (empty = valid)."""
    defs = definitions()
    if definition not in defs:
        return ["no such definition: %s" % definition]
    schema = {"$ref": "#/definitions/" + definition, "definitions": defs}
    validator = jsonschema.Draft7Validator(schema)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))]


_PATHS = {}


def route_response_schema(method, template, status):
    """The swagger schema of a route's reply with this status, or None when the swagger
    documents no body (204) or does not know the route. `template` uses the placeholders of
    routes.py ({uid}, {pid}, {id}, {name})."""
    rel = template
    for ph in ("{uid}", "{pid}", "{id}"):
        rel = rel.replace(ph, "id")
    rel = rel.replace("{name}", "name")
    path = os.path.join(SWAGGER_DIR, "paths", rel.lstrip("/") + ".yaml")
    if path not in _PATHS:
        if not os.path.exists(path):
            _PATHS[path] = None
        else:
            with open(path, encoding="utf-8") as f:
                _PATHS[path] = yaml.safe_load(f)
    doc = _PATHS[path]
    if doc is None:
        return None
    op = doc.get(method.lower())
    if not op:
        return None
    resp = (op.get("responses") or {}).get(str(status))
    if not resp or "schema" not in resp:
        return None
    return _strip_swagger(resp["schema"])


def route_errors(method, template, status, instance):
    """Validation messages for a reply against its route's swagger schema ([] if valid);
    None when the swagger has no schema for it."""
    schema = route_response_schema(method, template, status)
    if schema is None:
        return None
    full = dict(schema)
    full["definitions"] = definitions()
    validator = jsonschema.Draft7Validator(full)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in validator.iter_errors(instance)]
