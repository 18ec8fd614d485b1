"""Replays AWS CLI calls, one per line of the file named by the first argument (quoted for bash, as the aws stub
of DeployScriptsTest records them), through the installed AWS CLI's own driver in this one process, against a
closed port on 127.0.0.1. A call the CLI accepts gets as far as connecting; one it refuses (an unknown command or
option, a malformed JSON or shorthand value, a bad --query) never does. Prints "OK <call>" or
"REFUSED <call> -> <what the CLI said>" per call. Credentials and region come from the environment."""
import contextlib
import io
import shlex
import sys

from awscli.clidriver import create_clidriver

for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if not line:
        continue
    said = io.StringIO()
    with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
        try:
            create_clidriver().main(["--endpoint-url", "http://127.0.0.1:9", "--cli-connect-timeout", "2",
                                     "--cli-read-timeout", "2"] + shlex.split(line))
        except SystemExit:
            pass
    text = said.getvalue()
    if "Could not connect to the endpoint URL" in text:
        print("OK " + line)
    else:
        print("REFUSED " + line + " -> " + " ".join(text.split())[:400])
sys.stdout.flush()
