#!/usr/bin/env bash
# Usage: upgrade.sh STACK APPLICATION BUCKET [--allow-non-restored-state] Key=Value...
# Upgrade with a snapshot: builds and uploads the new jar under its own immutable key, takes a snapshot of
# the running application, updates the stack to the new code (the service stops the job with a snapshot and
# restarts it from that latest snapshot), waits for the update operation, watches that the job runs without
# restarting, and prints the rollback command. Fails, changing nothing, when this build is the one deployed;
# fails when the stack update deployed nothing. --allow-non-restored-state: for the one update that drops an
# operator's state (README, Upgrade through savepoints); without it the update sets it back to false.
source "$(dirname "$0")/common.sh"
usage="usage: $0 STACK APPLICATION BUCKET [--allow-non-restored-state] Key=Value..."
[ $# -ge 3 ] || die "$usage"
stack="$1"; app="$2"; bucket="$3"; shift 3
allow=false
params=()
for a in "$@"; do
  case "$a" in
    --allow-non-restored-state) allow=true ;;
    -*) die "unknown option $a; $usage" ;;
    CodeKey=*|AllowNonRestoredState=*) die "$a is set by the script; $usage" ;;
    *=*) params+=("$a") ;;
    *) die "not Key=Value: $a; $usage" ;;
  esac
done
need aws
prefix="$(param CodeKeyPrefix "${params[@]+"${params[@]}"}")"
key="$("$here/build-and-upload.sh" "$bucket" "${prefix:-streamsync/}")"
previous="$(app_code_key "$app")"
[ "$key" != "$previous" ] || die "$app already runs s3://$bucket/$key (this build): nothing to upgrade"
[ "$(app_status "$app")" = RUNNING ] || die "$app is $(app_status "$app"), not RUNNING: start it (start.sh) or update the stack (create-or-update.sh)"

snapshot="before-$(basename "$key" .jar | sed 's/[^A-Za-z0-9_.-]/-/g')-$(date -u +%Y%m%dT%H%M%SZ)"
run aws kinesisanalyticsv2 create-application-snapshot --application-name "$app" --snapshot-name "$snapshot" >&2
s=""
for _ in $(seq 1 "$operation_timeout_polls"); do
  s="$(aws kinesisanalyticsv2 describe-application-snapshot --application-name "$app" --snapshot-name "$snapshot" \
    --query 'SnapshotDetails.SnapshotStatus' --output text)"
  [ "$s" = READY ] && break
  [ "$s" = FAILED ] && die "snapshot $snapshot failed: nothing was changed"
  pause
done
[ "$s" = READY ] || die "snapshot $snapshot not ready ($s): nothing was changed"

before="$(app_version "$app")"
"$here/create-or-update.sh" "$stack" "CodeBucketName=$bucket" "CodeKey=$key" "AllowNonRestoredState=$allow" \
  "${params[@]+"${params[@]}"}" >/dev/null
after="$(app_version "$app")"
[ "$after" != "$before" ] || die "the stack update deployed nothing ($app is still at version $before, running s3://$bucket/$previous)"
wait_operation "$app" "$(latest_operation "$app" UpdateApplication)" "update of $app to version $after"
watch_healthy "$app"
say "upgraded $app to s3://$bucket/$key (version $after)"
say "to roll back: rollback.sh $stack $app $snapshot $previous"
