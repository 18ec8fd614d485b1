#!/usr/bin/env bash
# Usage: build-and-upload.sh BUCKET [PREFIX]
# Builds the shaded job jar (or takes JAR=path from the environment: a jar built from the same commit) and
# uploads it to s3://BUCKET/PREFIX<streamsync-VERSION-SHA>.jar (PREFIX defaults to streamsync/, the template's
# CodeKeyPrefix) in one part with its SHA-256, which S3 checks on arrival, and the git commit it was built from
# in the object's metadata (git-commit; "-dirty" when the tree had uncommitted changes). The key holds the
# content's hash: an upload never overwrites another build. When the key exists, S3's SHA-256 of it must be
# the jar's, or nothing is uploaded and the script fails. Prints the key on stdout.
source "$(dirname "$0")/common.sh"
[ $# -ge 1 ] || die "usage: $0 BUCKET [PREFIX]"
bucket="$1"; prefix="${2:-streamsync/}"
need aws
need git
jar="${JAR:-}"
if [ -z "$jar" ]; then
  need mvn
  run mvn -B -q -f "$repo/pom.xml" -DskipTests -DskipServices package >&2
  jar="$(built_jar)"
fi
[ -f "$jar" ] || die "$jar was not built"
key="$(jar_key "$prefix" "$jar")"
sum="$(sha256_base64 "$jar")"
if there="$(aws s3api head-object --bucket "$bucket" --key "$key" --checksum-mode ENABLED \
    --query ChecksumSHA256 --output text 2>/dev/null)"; then
  if [ -z "$there" ] || [ "$there" = None ]; then
    # uploaded without a SHA-256 (by an older script): compare the bytes themselves
    say "s3://$bucket/$key has no SHA-256 checksum; comparing its content"
    there="$(aws s3 cp "s3://$bucket/$key" - | openssl dgst -sha256 -binary | base64)"
  fi
  [ "$there" = "$sum" ] || die "s3://$bucket/$key exists with other content (SHA-256 $there, this jar's is $sum): nothing was uploaded. A jar a rollback may need is never overwritten; check which build it holds (aws s3api head-object --bucket $bucket --key $key: metadata git-commit)"
  say "s3://$bucket/$key is there already with the same SHA-256 ($sum)"
else
  commit="$(git_commit)"
  if git_dirty; then commit="$commit-dirty"; fi
  run aws s3api put-object --bucket "$bucket" --key "$key" --body "$jar" --checksum-algorithm SHA256 \
    --checksum-sha256 "$sum" --metadata "{\"git-commit\":\"$commit\"}" >&2
  say "uploaded s3://$bucket/$key (SHA-256 $sum, git commit $commit)"
fi
echo "$key"
