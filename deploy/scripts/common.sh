#!/usr/bin/env bash
# Shared helpers of the deploy scripts (streamsync on Managed Service for Apache Flink, Flink 2.2): fail fast,
# print every AWS call before making it, wait on the service's operations (not on the application's status
# alone), and time out with a clear message. Portable: bash, the AWS CLI v2, git, and POSIX tools (no GNU-only
# date -d).
set -euo pipefail
# The AWS CLI prints timestamps in the local time zone: in UTC they sort as text and read back in plain bash.
export TZ=UTC

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# STREAMSYNC_TEMPLATE: another release's template, to put the stack back in step after a rollback across
# Flink versions (git show v0.2.0:deploy/cloudformation/streamsync.yaml > old.yaml)
template="${STREAMSYNC_TEMPLATE:-$repo/deploy/cloudformation/streamsync.yaml}"
# Pacing, overridable (tests set them to 0 and a few polls).
poll_seconds="${STREAMSYNC_POLL_SECONDS:-10}"
operation_timeout_polls="${STREAMSYNC_OPERATION_POLLS:-180}"   # 30 min at 10 s
# After an operation the job is watched for at least 10 minutes from the operation's end: CloudWatch
# delivers the service's metrics minutes late, so a shorter watch can miss the first restarts.
watch_seconds=600
watch_polls="${STREAMSYNC_WATCH_POLLS:-1}"                      # and at least this many polls

say() { printf '[deploy] %s\n' "$*" >&2; }
die() { printf '[deploy] error: %s\n' "$*" >&2; exit 1; }
run() { say "+ $*"; "$@"; }
need() { command -v "$1" >/dev/null || die "$1 is required (install it and configure credentials: aws configure)"; }
pause() { [ "$poll_seconds" = 0 ] || sleep "$poll_seconds"; }
now_epoch() { date -u +%s; }

# Seconds since the epoch of a time as the AWS CLI prints it (2026-12-05T12:03:20.123000+00:00, ...Z, or
# epoch seconds), computed in bash (days from the civil date), since date -d is GNU-only.
iso_to_epoch() {
  local t="$1"
  local re='^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|([+-])([0-9]{2}):?([0-9]{2}))?$'
  if [[ "$t" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "${t%%.*}"
    return
  fi
  [[ "$t" =~ $re ]] || die "cannot read the time '$t' (expected ISO 8601 as the AWS CLI prints it)"
  local y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
  local hh=$((10#${BASH_REMATCH[4]})) mm=$((10#${BASH_REMATCH[5]})) ss=$((10#${BASH_REMATCH[6]}))
  local sign="${BASH_REMATCH[9]}" off_h="${BASH_REMATCH[10]:-00}" off_m="${BASH_REMATCH[11]:-00}"
  if [ "$m" -le 2 ]; then y=$((y - 1)); fi
  local era=$((y / 400)) yoe doy doe days off
  yoe=$((y - era * 400))
  doy=$(( (153 * ((m + 9) % 12) + 2) / 5 + d - 1 ))
  doe=$((yoe * 365 + yoe / 4 - yoe / 100 + doy))
  days=$((era * 146097 + doe - 719468))
  off=$((10#$off_h * 3600 + 10#$off_m * 60))
  if [ "$sign" = "-" ]; then off=$((-off)); fi
  echo $((days * 86400 + hh * 3600 + mm * 60 + ss - off))
}

# A string as a JSON string literal (quotes, backslashes and control characters escaped).
json_string() {
  local s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      '"') out+='\"' ;;
      '\') out+='\\' ;;
      $'\n') out+='\n' ;;
      $'\r') out+='\r' ;;
      $'\t') out+='\t' ;;
      *) if [[ "$c" < ' ' ]]; then out+="$(printf '\\u%04x' "'$c")"; else out+="$c"; fi ;;
    esac
  done
  printf '"%s"' "$out"
}

# The project version, from pom.xml.
project_version() {
  local version
  version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$repo/pom.xml" | head -n 1)"
  [ -n "$version" ] || die "cannot read the project version from pom.xml"
  echo "$version"
}

# The jar the build produces: target/<artifactId>-<version>.jar
built_jar() { echo "$repo/target/streamsync-$(project_version).jar"; }

# The immutable S3 key of a jar: PREFIX + streamsync-<version>-<first 12 hex of its SHA-256>.jar. The same
# bytes give the same key; another build gives another key, so no upload overwrites a jar a rollback needs.
jar_key() {
  local prefix="$1" jar="$2" sha
  sha="$(openssl dgst -sha256 -binary "$jar" | od -An -v -tx1 | tr -d ' \n')"   # openssl and od, as on macOS
  [[ "$sha" =~ ^[0-9a-f]{64}$ ]] || die "cannot compute the SHA-256 of $jar with openssl"
  sha="${sha:0:12}"
  echo "${prefix}streamsync-$(project_version)-${sha}.jar"
}

# The base64 SHA-256 of a file, as S3 reports ChecksumSHA256 for an object uploaded in one part.
sha256_base64() { openssl dgst -sha256 -binary "$1" | base64; }

# The commit the working tree is at, and whether it has changes (tracked or untracked) that are not committed.
git_commit() { git -C "$repo" rev-parse HEAD; }
git_dirty() { [ -n "$(git -C "$repo" status --porcelain)" ]; }

app_field() { aws kinesisanalyticsv2 describe-application --application-name "$1" --query "ApplicationDetail.$2" --output text; }
app_status() { app_field "$1" ApplicationStatus; }
app_runtime() { app_field "$1" RuntimeEnvironment; }
# The Flink runtime the template sets (FLINK-2_2 for this build).
template_runtime() { sed -n 's/^ *RuntimeEnvironment: *\(FLINK-[0-9_]*\).*/\1/p' "$template" | head -n 1; }
app_version() { app_field "$1" ApplicationVersionId; }
app_code_location() { app_field "$1" "ApplicationConfigurationDescription.ApplicationCodeConfigurationDescription.CodeContentDescription.S3ApplicationCodeLocationDescription.$2"; }
app_code_key() { app_code_location "$1" FileKey; }
# The object version the application's code is pinned to; none when it is not pinned.
app_code_object_version() {
  local v
  v="$(app_code_location "$1" ObjectVersion)"
  if [ -z "$v" ] || [ "$v" = None ]; then echo none; else echo "$v"; fi
}
app_rollback_enabled() { app_field "$1" 'ApplicationConfigurationDescription.ApplicationSystemRollbackConfigurationDescription.RollbackEnabled'; }

# The id of the latest operation of a kind (UpdateApplication, StartApplication, ...) on the application.
# ListApplicationOperations documents no order and CLI v2 has no --limit for it: the CLI pages through all of
# them and the latest is chosen by StartTime (UTC text, see TZ above, sorts in time order).
latest_operation() {
  aws kinesisanalyticsv2 list-application-operations --application-name "$1" --operation "$2" \
    --query 'sort_by(ApplicationOperationInfoList, &StartTime)[-1].OperationId' --output text
}

# The UpdateApplication operation a stack change started, which moved the application to VERSION (the version
# describe-application gave after the change): the latest by StartTime, checked by the version it updated to, so
# that an operation someone else started is never waited on or watched in its stead.
stack_update_operation() {
  local app="$1" version="$2" op to
  op="$(latest_operation "$app" UpdateApplication)"
  [ -n "$op" ] && [ "$op" != None ] || die "$app is at version $version after the stack change, but the service lists no UpdateApplication operation"
  to="$(operation_field "$app" "$op" ApplicationVersionChangeDetails.ApplicationVersionUpdatedTo)"
  [ "$to" = "$version" ] || die "the latest UpdateApplication operation $op moved $app to version ${to:-unknown}, not $version which the stack change made: not the stack's own; check aws kinesisanalyticsv2 list-application-operations --application-name $app"
  echo "$op"
}

# One field of an operation's details (OperationStatus, EndTime, OperationFailureDetails.RollbackOperationId, ...);
# empty when the service did not set it.
operation_field() {
  local v
  v="$(aws kinesisanalyticsv2 describe-application-operation --application-name "$1" --operation-id "$2" \
    --query "ApplicationOperationInfoDetails.$3" --output text)"
  if [ "$v" = None ]; then echo ""; else echo "$v"; fi
}

# Waits until an operation ends. SUCCESSFUL returns; FAILED or CANCELLED dies with the service's reason and
# whether it rolled the application back (or with HINT, when given); no end within the timeout dies naming the
# operation.
wait_operation() {
  local app="$1" op="$2" what="$3" hint="${4:-}" status detail
  [ -n "$op" ] && [ "$op" != None ] || die "$what: the service reported no operation to wait for"
  for _ in $(seq 1 "$operation_timeout_polls"); do
    status="$(operation_field "$app" "$op" OperationStatus)"
    case "$status" in
      SUCCESSFUL) say "$what: operation $op SUCCESSFUL"; return 0 ;;
      FAILED|CANCELLED)
        detail="$(aws kinesisanalyticsv2 describe-application-operation --application-name "$app" --operation-id "$op" \
          --query 'ApplicationOperationInfoDetails.[OperationFailureDetails.ErrorInfo.ErrorString, OperationFailureDetails.RollbackOperationId, ApplicationVersionChangeDetails.ApplicationVersionUpdatedFrom]' \
          --output text)"
        [ -n "$hint" ] || hint="With a system rollback the application runs its previous version again: put the stack back in step with rollback.sh STACK $app; without one it is READY (src/site/markdown/operations.md, Runbook)"
        die "$what: operation $op $status: $detail (error, system rollback operation, version before). $hint" ;;
    esac
    pause
  done
  die "$what: operation $op still ${status:-unknown} after $((operation_timeout_polls * poll_seconds)) s; check it with: aws kinesisanalyticsv2 describe-application-operation --application-name $app --operation-id $op"
}

# After an operation that started a job (start, update, rollback): the application must stay RUNNING, and the
# job the operation started must not restart, for at least watch_seconds from the operation's end time. With
# unlimited restarts a crash-looping job still shows RUNNING; its numRestarts gives it away. numRestarts counts
# the restarts of one job (an operation submits a new one, which starts at 0), so the window begins at the
# first whole minute after the operation ended: a datapoint covers a minute, and the one the operation ended
# in may still hold the previous job's count. A restart in that first part-minute still shows in every later
# datapoint, since the count never goes down within a job.
watch_healthy() {
  local app="$1" op="$2" end from now upto status restarts polls=0 scaling=0 rescaled=""
  end="$(operation_field "$app" "$op" EndTime)"
  [ -n "$end" ] || die "operation $op of $app has no end time: it has not ended"
  end="$(iso_to_epoch "$end")"
  from=$(( (end / 60 + 1) * 60 ))
  say "watching $app for restarts for $watch_seconds s after operation $op ended"
  while :; do
    status="$(app_status "$app")"
    now="$(now_epoch)"
    if [ "$status" = AUTOSCALING ]; then
      # the service rescales (AutoScalingEnabled): neither a failure nor RUNNING; keep watching until it is RUNNING
      scaling=$((scaling + 1))
      if [ -z "$rescaled" ]; then
        # a rescale stops the watched job and starts another (whose numRestarts counts from 0): the restarts
        # counted from here on are those of the operation's job up to this moment
        rescaled="$now"
        say "$app is rescaled at $now: restarts after it are the rescaled job's, not operation $op's, and are not counted"
      fi
      [ "$scaling" -le "$operation_timeout_polls" ] || die "$app is still AUTOSCALING after $scaling polls: the watch after operation $op is inconclusive; check aws kinesisanalyticsv2 list-application-operations --application-name $app"
      say "$app is AUTOSCALING (the service rescales it): inconclusive, watching on"
      pause
      continue
    fi
    [ "$status" = RUNNING ] || die "$app is $status, not RUNNING, after operation $op succeeded; see its logs and the runbook (src/site/markdown/operations.md)"
    upto="$now"
    if [ -n "$rescaled" ] && [ "$rescaled" -lt "$now" ]; then upto="$rescaled"; fi
    if [ "$upto" -gt "$from" ]; then
      restarts="$(aws cloudwatch get-metric-statistics --namespace AWS/KinesisAnalytics --metric-name numRestarts \
        --dimensions "Name=Application,Value=$app" --statistics Maximum --period 60 \
        --start-time "$from" --end-time "$upto" --query 'max(Datapoints[].Maximum)' --output text)"
      [ "$restarts" = None ] && restarts=""
      if [ -n "$restarts" ] && [ "${restarts%.*}" -gt 0 ]; then
        die "$app's new job restarted (numRestarts ${restarts%.*} since operation $op ended): a crash loop; see its logs and the runbook (src/site/markdown/operations.md), roll back with rollback.sh"
      fi
    fi
    polls=$((polls + 1))
    if [ "$now" -ge $((end + watch_seconds)) ] && [ "$polls" -ge "$watch_polls" ]; then
      break
    fi
    pause
  done
  say "$app is RUNNING without restarts $((now - end)) s after operation $op ended"
}

# Value of Key=Value among the arguments (empty if absent).
param() { local key="$1"; shift; local a; for a in "$@"; do [ "${a%%=*}" = "$key" ] && { echo "${a#*=}"; return; }; done; echo ""; }
