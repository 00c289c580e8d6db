#!/usr/bin/env bash
# Renders a page of `sayso run --format html` to a PNG with headless Chromium, to check that
# the page displays well in a real browser.
#
# Usage: scripts/render-html.sh PAGE.html [OUT.png] [WIDTH,HEIGHT]
#   PAGE.html     a page written by `sayso run --format html ... > PAGE.html`
#   OUT.png       the screenshot to write (default: PAGE.png next to the page)
#   WIDTH,HEIGHT  the window size in pixels (default: 1280,1600)
#
# Needs Chromium; on Debian: apt-get update && apt-get install chromium.
# Example:
#   sayso run --format html tests/articles/seed.txt > /tmp/seed.html
#   scripts/render-html.sh /tmp/seed.html /tmp/seed.png
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi

page=$(realpath "$1")
out=${2:-${page%.html}.png}
size=${3:-1280,1600}

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null; then
        browser=$candidate
        break
    fi
done
if [[ -z $browser ]]; then
    echo "error: no Chromium found; on Debian: apt-get install chromium" >&2
    exit 1
fi

# A fresh profile each time, so nothing from an earlier run changes the rendering.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --window-size="$size" --screenshot="$(realpath -m "$out")" \
    "file://$page" 2>/dev/null
echo "wrote $out"
