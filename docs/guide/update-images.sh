#!/usr/bin/env bash
# Copies the screenshots the guide shows from screenshots/ (written by the
# browser tests: ./test.sh, or go test -run Browser ./cmd/hearingroom) into
# docs/guide/img/, so that the guide shows the product as the tests last saw
# it. Fails, copying nothing, if a screenshot is missing.
set -euo pipefail
cd "$(dirname "$0")"
src=../../screenshots
images=(
  kiosk-pair-1920x1080.png kiosk-home-1920x1080.png kiosk-wait-1920x1080.png
  kiosk-notice-1920x1080.png kiosk-session-1920x1080.png kiosk-rate-1920x1080.png
  kiosk-weak-1920x1080.png kiosk-closed-1920x1080.png
  register-signin-1024x768.png register-kind-1024x768.png register-category-1024x768.png
  register-person-1024x768.png register-consent-1024x768.png register-done-1024x768.png
  board-pick-1024x768.png board-wait-1024x768.png board-accepted-1024x768.png
  officialdesk-signin-1024x768.png officialdesk-home-call-1024x768.png
  officialdesk-hearing-find-1024x768.png officialdesk-hearing-minutes-1024x768.png
  officialdesk-hearing-risk-1024x768.png officialdesk-hearing-summon-1024x768.png
  officialdesk-hearing-assign-start-1024x768.png
  caucus-mediator-640x480.png caucus-party-a-640x480.png
  agreement-a-1024x768.png agreement-b-confirmed-390x844.png
  officialdesk-agreement-draft-1024x768.png officialdesk-agreement-confirmed-768x1024.png
  supervisor-wall-session-1366x768.png
  supervisor-wall-1366x768.png supervisor-wall-large-1920x1080.png
  supervisor-dashboard-1366x768.png supervisor-dashboard-supervise-768x1024.png
  supervisor-case-1366x768.png
)
missing=()
for f in "${images[@]}"; do [ -f "$src/$f" ] || missing+=("$f"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing screenshots (run the browser tests first): ${missing[*]}" >&2
  exit 1
fi
mkdir -p img
for f in "${images[@]}"; do cp "$src/$f" "img/$f"; done
echo "copied ${#images[@]} screenshots into docs/guide/img"
