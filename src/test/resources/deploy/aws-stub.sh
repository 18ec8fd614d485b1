#!/usr/bin/env bash
# A stand-in for the AWS CLI in DeployScriptsTest: records every call in $STUB/calls.log and plays back the
# service's answers from $STUB/answers. An answer is chosen by service, operation and the last field of
# --query (the scripts ask for one field at a time): <service>_<operation>[_<field>].<n> is the answer to
# the n-th such call, the highest n repeats. Its first line is the exit code, the rest goes to stdout (to stderr
# with a non-zero exit code, as the CLI prints its errors).
# $STUB/calls.argv has each call again, quoted for bash.
set -u
echo "$*" >> "$STUB/calls.log"
# the same call with its arguments quoted for bash, to replay it against the real AWS CLI (DeployScriptsTest)
printf '%q ' "$@" >> "$STUB/calls.argv"
echo >> "$STUB/calls.argv"
key="$1_$2"
prev=""
for a in "$@"; do
  if [ "$prev" = "--query" ]; then
    field="${a##*.}"
    field="$(printf '%s' "$field" | tr -cd 'A-Za-z0-9')"
    key="${key}_${field}"
  fi
  prev="$a"
done
count_file="$STUB/count_$key"
n=$(( $(cat "$count_file" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$count_file"
answer="$STUB/answers/$key.$n"
if [ ! -e "$answer" ]; then
  answer="$(ls -v "$STUB/answers/$key".* 2>/dev/null | tail -n 1)"
fi
if [ -z "$answer" ]; then
  echo "aws stub: no answer for $key ($*)" >&2
  exit 99
fi
code="$(head -n 1 "$answer")"
if [ "$code" = 0 ]; then
  tail -n +2 "$answer"
else
  tail -n +2 "$answer" >&2   # as the CLI prints its errors
fi
exit "$code"
