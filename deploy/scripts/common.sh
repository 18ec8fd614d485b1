#!/usr/bin/env bash
# Shared helpers of the deploy scripts: fail fast, print every AWS call before making it, wait on the
# service's operations (not on the application's status alone), and time out with a clear message.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# STREAMSYNC_TEMPLATE: another release's template, to put the stack back in step after a rollback across
# Flink versions (git show v0.2.0:deploy/cloudformation/streamsync.yaml > old.yaml)
template="${STREAMSYNC_TEMPLATE:-$repo/deploy/cloudformation/streamsync.yaml}"
# Pacing, overridable (tests set them to 0 and a few polls).
poll_seconds="${STREAMSYNC_POLL_SECONDS:-10}"
operation_timeout_polls="${STREAMSYNC_OPERATION_POLLS:-180}"   # 30 min at 10 s
watch_polls="${STREAMSYNC_WATCH_POLLS:-18}"                     # 3 min at 10 s of RUNNING without restarts

say() { printf '[deploy] %s\n' "$*" >&2; }
die() { printf '[deploy] error: %s\n' "$*" >&2; exit 1; }
run() { say "+ $*"; "$@"; }
need() { command -v "$1" >/dev/null || die "$1 is required (install it and configure credentials: aws configure)"; }
pause() { [ "$poll_seconds" = 0 ] || sleep "$poll_seconds"; }

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
  sha="$(sha256sum "$jar" | cut -c1-12)"
  echo "${prefix}streamsync-$(project_version)-${sha}.jar"
}

app_field() { aws kinesisanalyticsv2 describe-application --application-name "$1" --query "ApplicationDetail.$2" --output text; }
app_status() { app_field "$1" ApplicationStatus; }
app_runtime() { app_field "$1" RuntimeEnvironment; }
# The Flink runtime the template sets (FLINK-2_2 for this build).
template_runtime() { sed -n 's/^ *RuntimeEnvironment: *\(FLINK-[0-9_]*\).*/\1/p' "$template" | head -n 1; }
app_version() { app_field "$1" ApplicationVersionId; }
app_code_key() { app_field "$1" 'ApplicationConfigurationDescription.ApplicationCodeConfigurationDescription.CodeContentDescription.S3ApplicationCodeLocationDescription.FileKey'; }

# The id of the latest operation of a kind (UpdateApplication, StartApplication, ...) on the application.
latest_operation() {
  aws kinesisanalyticsv2 list-application-operations --application-name "$1" --operation "$2" --limit 1 \
    --query 'ApplicationOperationInfoList[0].OperationId' --output text
}

# Waits until an operation ends. SUCCESSFUL returns; FAILED or CANCELLED dies with the service's reason and
# whether it rolled the application back; no end within the timeout dies naming the operation.
wait_operation() {
  local app="$1" op="$2" what="$3" status detail
  [ -n "$op" ] && [ "$op" != None ] || die "$what: the service reported no operation to wait for"
  for _ in $(seq 1 "$operation_timeout_polls"); do
    status="$(aws kinesisanalyticsv2 describe-application-operation --application-name "$app" --operation-id "$op" \
      --query 'ApplicationOperationInfoDetails.OperationStatus' --output text)"
    case "$status" in
      SUCCESSFUL) say "$what: operation $op SUCCESSFUL"; return 0 ;;
      FAILED|CANCELLED)
        detail="$(aws kinesisanalyticsv2 describe-application-operation --application-name "$app" --operation-id "$op" \
          --query 'ApplicationOperationInfoDetails.[OperationFailureDetails.ErrorInfo.ErrorString, OperationFailureDetails.RollbackOperationId, ApplicationVersionChangeDetails.ApplicationVersionUpdatedFrom]' \
          --output text)"
        die "$what: operation $op $status: $detail (error, rollback operation, version before); if the service rolled back, the application runs its previous version: check it with describe-application and the runbook (README)" ;;
    esac
    pause
  done
  die "$what: operation $op still ${status:-unknown} after $((operation_timeout_polls * poll_seconds)) s; check it with: aws kinesisanalyticsv2 describe-application-operation --application-name $app --operation-id $op"
}

# After a start or an update: the application must stay RUNNING without restarts for a while. With unlimited
# restarts a crash-looping job still shows RUNNING; its numRestarts metric gives it away.
watch_healthy() {
  local app="$1" first="" last status
  for _ in $(seq 1 "$watch_polls"); do
    status="$(app_status "$app")"
    [ "$status" = RUNNING ] || die "$app is $status, not RUNNING, after the operation succeeded; see its logs and the runbook (README)"
    last="$(aws cloudwatch get-metric-statistics --namespace AWS/KinesisAnalytics --metric-name numRestarts \
      --dimensions "Name=Application,Value=$app" --statistics Maximum --period 60 \
      --start-time "$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%SZ)" --end-time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      --query 'max(Datapoints[].Maximum)' --output text)"
    [ "$last" = None ] && last=""
    [ -z "$first" ] && first="$last"
    if [ -n "$first" ] && [ -n "$last" ] && [ "${last%.*}" -gt "${first%.*}" ]; then
      die "$app is restarting (numRestarts $first -> $last): a crash loop; see its logs and the runbook (README), roll back with rollback.sh"
    fi
    pause
  done
  say "$app is RUNNING without restarts"
}

# Value of Key=Value among the arguments (empty if absent).
param() { local key="$1"; shift; local a; for a in "$@"; do [ "${a%%=*}" = "$key" ] && { echo "${a#*=}"; return; }; done; echo ""; }
