#!/usr/bin/env bash
# Regenerates the parts of docs/cli.md and dist/tokenzone.bash-completion that come from the REST
# client's operation table (src/cli/client_ops.c): the text between the GENERATED markers.
# Usage: scripts/gen-cli-docs.sh [path/to/tokenzone]   (default build/tokenzone)
set -eu
cd "$(dirname "$0")/.."
bin=${1:-build/tokenzone}
[ -x "$bin" ] || { echo "gen-cli-docs: $bin not found (build it first)" >&2; exit 1; }

# replace FILE BEGIN_MARKER END_MARKER CONTENT_FILE
replace() {
  /usr/bin/python3 - "$@" <<'EOF'
import sys
path, begin, end, content_path = sys.argv[1:5]
text = open(path, encoding="utf-8").read()
content = open(content_path, encoding="utf-8").read()
b = text.index(begin) + len(begin)
e = text.index(end, b)
new = text[:b] + "\n" + content + text[e:]
if new != text:
    open(path, "w", encoding="utf-8").write(new)
    print("updated", path)
EOF
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$bin" help --markdown > "$tmp"
replace docs/cli.md "<!-- BEGIN GENERATED: tokenzone help --markdown -->" \
        "<!-- END GENERATED -->" "$tmp"
"$bin" help --bash > "$tmp"
replace dist/tokenzone.bash-completion "# BEGIN GENERATED" "# END GENERATED" "$tmp"
