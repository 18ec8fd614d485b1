#!/usr/bin/env bash
# Usage: build-and-upload.sh BUCKET [KEY]
# Builds the shaded job jar and uploads it to s3://BUCKET/KEY (KEY defaults to the jar's own name).
source "$(dirname "$0")/common.sh"
[ $# -ge 1 ] || die "usage: $0 BUCKET [KEY]"
bucket="$1"; key="${2:-$(jar_name)}"
need mvn; need aws
run mvn -B -q -f "$repo/pom.xml" -DskipTests -DskipServices package
jar="$repo/target/$(jar_name)"
[ -f "$jar" ] || die "$jar was not built"
run aws s3 cp "$jar" "s3://$bucket/$key"
say "uploaded s3://$bucket/$key"
