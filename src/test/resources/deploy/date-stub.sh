#!/usr/bin/env bash
# A stand-in for date in DeployScriptsTest: a BSD-like date (no -d, as on macOS) with a clock the test controls.
# "date -u +%s" prints $STUB/clock (2026-12-05T12:01:00Z unless set) and moves it on by $STUB/clock.step seconds
# (60 unless set), so that a 10-minute watch passes in a few polls; any other format prints the real time.
for a in "$@"; do
  case "$a" in
    -d|--date|--date=*|-[a-zA-Z]*d*) echo "date: illegal option -- d" >&2; exit 1 ;;
  esac
done
if [ "$*" = "-u +%s" ] || [ "$*" = "+%s" ]; then
  now="$(cat "$STUB/clock" 2>/dev/null || echo 1796472060)"
  step="$(cat "$STUB/clock.step" 2>/dev/null || echo 60)"
  echo $((now + step)) > "$STUB/clock"
  echo "$now"
  exit 0
fi
exec /bin/date "$@"
