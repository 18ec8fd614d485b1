#!/usr/bin/env bash
# Usage: build-and-upload.sh BUCKET [PREFIX]
# Builds the shaded job jar (or takes JAR=path from the environment) and uploads it to
# s3://BUCKET/PREFIX<streamsync-VERSION-SHA>.jar (PREFIX defaults to streamsync/, the template's CodeKeyPrefix).
# The key holds the content's hash: an upload never overwrites another build. Prints the key on stdout.
source "$(dirname "$0")/common.sh"
[ $# -ge 1 ] || die "usage: $0 BUCKET [PREFIX]"
bucket="$1"; prefix="${2:-streamsync/}"
need aws
jar="${JAR:-}"
if [ -z "$jar" ]; then
  need mvn
  run mvn -B -q -f "$repo/pom.xml" -DskipTests -DskipServices package >&2
  jar="$(built_jar)"
fi
[ -f "$jar" ] || die "$jar was not built"
key="$(jar_key "$prefix" "$jar")"
if aws s3api head-object --bucket "$bucket" --key "$key" >/dev/null 2>&1; then
  say "s3://$bucket/$key is there already (same content)"
else
  run aws s3 cp "$jar" "s3://$bucket/$key" >&2
  say "uploaded s3://$bucket/$key"
fi
echo "$key"
