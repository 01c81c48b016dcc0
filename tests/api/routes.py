"""The 39 token routes of rest-api.md §0 (relative to the REST prefix), grouped by path, plus the
related non-token routes of §9. Templates use {uid}, {pid}, {id}, {name}."""

PATHS = {
    "/tokens/examine": ("POST",),
    "/tokens/confine": ("POST",),
    "/tokens/infer_access_token_scope": ("POST",),
    "/tokens/verify_access_token": ("POST",),
    "/tokens/verify_identity_token": ("POST",),
    "/tokens/verify_invite_token": ("POST",),
    "/tokens/named": ("GET",),
    "/tokens/named/{id}": ("GET", "PATCH", "DELETE"),
    "/tokens/named/{id}/status": ("GET",),
    "/users/{uid}/tokens/temporary": ("POST", "GET", "DELETE"),
    "/users/{uid}/tokens/named": ("POST", "GET", "DELETE"),
    "/users/{uid}/tokens/named/name/{name}": ("GET",),
    "/user/tokens/temporary": ("POST", "GET", "DELETE"),
    "/user/tokens/named": ("POST", "GET", "DELETE"),
    "/user/tokens/named/name/{name}": ("GET",),
    "/providers/{pid}/tokens/temporary": ("POST", "GET", "DELETE"),
    "/providers/{pid}/tokens/named": ("POST", "GET", "DELETE"),
    "/providers/{pid}/tokens/named/name/{name}": ("GET",),
    "/provider/tokens/temporary": ("POST", "GET", "DELETE"),
    "/provider/tokens/named": ("POST", "GET", "DELETE"),
    "/provider/tokens/named/name/{name}": ("GET",),
}

ROUTES = [(m, p) for p, methods in PATHS.items() for m in methods]
assert len(PATHS) == 21 and len(ROUTES) == 39

RELATED = [("GET", "/configuration"), ("GET", "/provider/public/get_current_time"),
           ("GET", "/user")]

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def fill(template, uid="u", pid="p", tid="t", name="n"):
    return (template.replace("{uid}", uid).replace("{pid}", pid).replace("{id}", tid)
            .replace("{name}", name))
