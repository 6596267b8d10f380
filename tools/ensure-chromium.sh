#!/usr/bin/env bash
# The browser test needs Debian's Chromium; install it when it is missing (CI runs as root),
# with a colour emoji font so that the bot's buttons look right in `make screenshots`.
set -euo pipefail
packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
fc-list 2>/dev/null | grep -qi "color emoji" || packages+=(fonts-noto-color-emoji)
if [ ${#packages[@]} = 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ]; then
  echo "installing Debian's ${packages[*]} for the browser test..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
elif [[ " ${packages[*]} " == *" chromium "* ]]; then
  echo "chromium is missing and we are not root: the browser test will be skipped" >&2
else
  echo "no colour emoji font (fonts-noto-color-emoji): screenshots will show boxes" >&2
fi
