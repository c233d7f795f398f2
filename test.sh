#!/usr/bin/env bash
# Runs every test of hearingroom, installing and starting what the tests need.
# Usage: ./test.sh            (all tests; CI runs exactly this)
#        ./test.sh -run Name  (extra arguments go to 'go test')
# Under CI=true a missing real component fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
cache="$root/.cache"
mkdir -p "$cache"
export GOFLAGS="${GOFLAGS:-} -mod=mod"

say() { printf '\n== %s\n' "$*"; }

# 1. Real components from Debian: Chromium for the browser tests, ffmpeg
#    (ffprobe) for checking recordings, a Chinese font for screenshots.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
# A CJK font, so that screenshots of the Chinese UI can be read.
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export HEARINGROOM_CHROMIUM="${HEARINGROOM_CHROMIUM:-$(command -v chromium || true)}"

# 2. Static checks.
say "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-ed: $unformatted"
  exit 1
fi
go vet ./...

# 3. Pure Go: the binary builds for the domestic servers counties buy.
say "CGO_ENABLED=0 builds for linux/amd64, linux/arm64, linux/loong64"
for arch in amd64 arm64 loong64; do
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -o /dev/null ./cmd/hearingroom
  echo "linux/$arch ok"
done

# 4. The tests, with a count of what ran.
say "go test"
log="$cache/go-test.log"
set +e
go test -count=1 -v -timeout 15m "$@" ./... 2>&1 | tee "$log" | grep -E '^(ok|FAIL|--- |panic)|join-to-first-frame|^\?'
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ]; then
  say "failures (the whole log is in $log)"
  grep -E -B3 -A25 -- '--- FAIL|^panic' "$log" | head -400
fi

# 5. A short fuzz run of the signaling decoder (the corpus under
#    testdata/fuzz is replayed by the plain test run above too).
if [ "$status" = 0 ] && [ $# = 0 ]; then
  say "fuzz signaling.Decode for 20 s"
  go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 20s ./signaling || status=1
fi

passed=$(grep -cE '^\s*--- PASS' "$log" || true)
failed=$(grep -cE '^\s*--- FAIL' "$log" || true)
skipped=$(grep -cE '^\s*--- SKIP' "$log" || true)
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
