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

say() { printf '\n== %s\n' "$*"; }

# 1. Real components from Debian: Chromium for the browser tests, WebKitGTK's
#    WebDriver and Xvfb for the WebKit (Safari's engine) tests, ffmpeg
#    (ffprobe) for checking recordings, a Chinese font for screenshots.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
# A CJK font, so that screenshots of the Chinese UI can be read.
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
# PostgreSQL server binaries, for the store conformance suite (section 1b).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export HEARINGROOM_CHROMIUM="${HEARINGROOM_CHROMIUM:-$(command -v chromium || true)}"
export HEARINGROOM_WEBKITDRIVER="${HEARINGROOM_WEBKITDRIVER:-$(command -v WebKitWebDriver || true)}"

# 1b. A throwaway PostgreSQL for petitions/postgres: a trust-auth cluster in a
#     temp dir under /tmp, on 127.0.0.1 and a free port, fsync off, removed on
#     exit. initdb refuses root, so as root it runs as the postgres user. If it
#     does not come up, HEARINGROOM_TEST_POSTGRES stays unset and the Go test
#     skips, or fails under CI=true.
pg_dir=""
stop_postgres() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap stop_postgres EXIT
trap 'exit 130' INT TERM
pg_bin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1 || true)")
if [ -z "${HEARINGROOM_TEST_POSTGRES:-}" ] && [ -x "$pg_bin/initdb" ]; then
  say "starting PostgreSQL ($pg_bin)"
  as_pg=()
  pg_dir=$(mktemp -d /tmp/hearingroom-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    as_pg=(runuser -u postgres --)
    chown postgres: "$pg_dir"
  fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 --no-sync >"$pg_dir/initdb.log" 2>&1 ||
    { cat "$pg_dir/initdb.log"; stop_postgres; pg_dir=""; }
  pg_port=""
  for _ in 1 2 3 4 5; do
    [ -n "$pg_dir" ] || break
    port=$((20000 + RANDOM % 40000))
    [ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] || continue
    if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -k $pg_dir" \
      start >/dev/null; then
      pg_port=$port
      break
    fi
  done
  if [ -n "$pg_port" ] && "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -t 30 &&
    "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres hearingroom_test; then
    export HEARINGROOM_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/hearingroom_test?sslmode=disable"
    echo "PostgreSQL on 127.0.0.1:$pg_port"
  else
    echo "PostgreSQL did not start; its tests will skip (or fail under CI=true)"
    if [ -n "$pg_dir" ] && [ -f "$pg_dir/server.log" ]; then tail -20 "$pg_dir/server.log"; fi
  fi
fi

# 1c. MinIO, the real S3 server of the recordings tests (recordings/s3store,
#     the uploader): Debian has none, so it is built from source, once, into
#     the ignored cache. It is AGPL: the tests run it as its own process and
#     never link it. The version is pinned (miniotest.Version says the same).
#     If it does not build, its tests skip (or fail under CI=true).
minio_version=v0.0.0-20260212201848-7aac2a2c5b7c
if [ -z "${HEARINGROOM_MINIO:-}" ]; then
  if [ ! -x "$cache/bin/minio" ]; then
    say "building MinIO $minio_version into $cache/bin (a few minutes, once)"
    GOBIN="$cache/bin" go install "github.com/minio/minio@$minio_version" ||
      echo "MinIO did not build; its tests will skip (or fail under CI=true)"
  fi
  if [ -x "$cache/bin/minio" ]; then
    export HEARINGROOM_MINIO="$cache/bin/minio"
  fi
fi

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
