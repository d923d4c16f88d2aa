#!/usr/bin/env python3
"""Writes dropbolt's man page (roff, section 1) from the command tree the binary describes itself.

    tools/manpage.py path/to/dropbolt > dropbolt.1

It reads `dropbolt --experimental-dump-help` (swift-argument-parser's JSON description of every command, option
and argument), so the page can never disagree with the binary.
"""
import datetime
import json
import subprocess
import sys


def roff(text):
    """Escapes text for roff: backslashes, and a leading dot or quote that would start a request."""
    text = (text or "").replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def synopsis_of(argument):
    names = argument.get("names") or []
    longs = [n["name"] for n in names if n["kind"] == "long"]
    shorts = [n["name"] for n in names if n["kind"] == "short"]
    label = ("--" + longs[0]) if longs else ("-" + shorts[0]) if shorts else ""
    value = argument.get("valueName") or ""
    kind = argument["kind"]
    if kind == "positional":
        text = "\\fI" + roff(value) + "\\fR" + ("..." if argument.get("isRepeating") else "")
    elif kind == "flag":
        text = "\\fB" + roff(label) + "\\fR"
    else:
        text = "\\fB" + roff(label) + "\\fR \\fI" + roff(value) + "\\fR"
    return "[" + text + "]" if argument.get("isOptional") else text


def visible(arguments):
    return [a for a in arguments or [] if a.get("shouldDisplay", True) and not
            any(n["name"] in ("help", "version", "experimental-dump-help") for n in a.get("names") or [])]


def command_section(command, path, out):
    name = " ".join(path)
    args = visible(command.get("arguments"))
    out.append(".SS " + roff(name))
    out.append(".B " + roff(name))
    if args:
        out.append(" ".join(synopsis_of(a) for a in args))
    out.append(".PP")
    out.append(roff(command.get("abstract", "")))
    if command.get("discussion"):
        out.append(".PP")
        out.append(roff(command["discussion"]))
    for argument in args:
        out.append(".TP")
        out.append(synopsis_of(argument).strip("[]"))
        text = argument.get("abstract", "")
        if argument.get("defaultValue"):
            text += " (default: " + argument["defaultValue"] + ")"
        out.append(roff(text))
    for sub in command.get("subcommands") or []:
        command_section(sub, path + [sub["commandName"]], out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tools/manpage.py path/to/dropbolt")
    dump = subprocess.run([sys.argv[1], "--experimental-dump-help"], check=True, capture_output=True, text=True)
    root = json.loads(dump.stdout)["command"]
    version = subprocess.run([sys.argv[1], "--version"], capture_output=True, text=True).stdout.strip()
    today = datetime.date.today().isoformat()
    out = [
        '.TH DROPBOLT 1 "%s" "dropbolt %s" "User Commands"' % (today, roff(version)),
        ".SH NAME",
        "dropbolt \\- " + roff(root.get("abstract", "")),
        ".SH SYNOPSIS",
        ".B dropbolt",
        "\\fIcommand\\fR [\\fIoptions\\fR]",
        ".SH DESCRIPTION",
        roff(root.get("discussion") or root.get("abstract", "")),
        ".SH COMMANDS",
    ]
    for sub in root.get("subcommands") or []:
        if sub["commandName"] == "help":
            continue
        command_section(sub, ["dropbolt", sub["commandName"]], out)
    out += [
        ".SH FILES",
        ".TP",
        "/etc/dropbolt/config.yaml",
        "The config when no other is found (see \\fB\\-\\-config\\fR).",
        ".TP",
        "$XDG_STATE_HOME/dropbolt",
        "The state folder: the database, the spool, the daemon lock.",
        ".SH SEE ALSO",
        "The README (/usr/local/share/doc/dropbolt/README.md) for the config and rule formats.",
    ]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
