#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# gen-man.py HELP.json OUTDIR: the manual pages of the `ferry` command, as scdoc sources,
# from its command table (`ferry help --json`, cli/groups.c): ferry(1) with the groups,
# the single commands, global options, exit codes and files, and one page per command
# group, ferry-GROUP(1), with each command's usage, options and where it runs.
# install.mk renders them with scdoc; the hand-written pages are man/*.scd.
import json
import os
import sys

SEE_ALSO = "*ferryd*(8), *ferryd.conf*(5), *ferry-package*(5)"

GLOBALS = [
    ("--home DIR", "ferry's home (else *FERRY_HOME*, else *home =* in the config file, "
     "else _$XDG_DATA_HOME/ferry_, else _~/.local/share/ferry_)."),
    ("--store PATH|URL", "the state store: a SQLite file (default _<home>/ferry.db_) or a "
     "*postgresql://* URL shared by several ferry and ferryd."),
    ("--server URL", "run the command on a ferryd (with the token in *FERRY_TOKEN*); "
     "*--server local* forces the home."),
    ("--at TIME", "schedule the operation instead of running it: *+10m*, "
     "*2026-05-01T02:00Z* or *window* (the project's maintenance window)."),
    ("--json", "print JSON (read commands: the data the REST API returns; errors: a JSON "
     "object on stderr)."),
    ("--quiet, -q", "no progress output."),
    ("--KEY VALUE", "any setting of *ferryd.conf*(5) (*--port-range 21000-21999*, "
     "*--data-dir DIR*, ...), over the config file and the environment."),
]

EXIT_CODES = [
    ("0", "success"),
    ("1", "an operation or step failed; I/O or internal error"),
    ("2", "bad command line or invalid value"),
    ("3", "the named object does not exist"),
    ("4", "already exists, or wrong state for the action"),
    ("5", "refused by a rule: catalog, policy, preview feature, sign-off"),
    ("6", "verification failed or unsafe input (hash, signature, archive)"),
    ("7", "state store missing, damaged or busy"),
]

ENVIRONMENT = [
    ("FERRY_HOME", "the home, when *--home* is not given."),
    ("FERRY_STORE", "the state store, when *--store* is not given."),
    ("FERRY_SERVER", "a ferryd to run commands on (as *--server*)."),
    ("FERRY_TOKEN", "the API token for *--server*."),
    ("FERRY_DATA_DIR", "ferry's shipped data (catalogs, web UI); by default "
     "_<prefix>/share/ferry_ beside the binary."),
    ("FERRY_*", "every setting of *ferryd.conf*(5) has its variable "
     "(*FERRY_PORT_RANGE*, *FERRY_CATALOG_DIR*, ...)."),
    ("XDG_DATA_HOME, XDG_CONFIG_HOME", "where the default home and the config file are."),
]


def esc(text):
    """Text for scdoc: its markup characters taken literally."""
    out = []
    for ch in text or "":
        if ch in "\\*_":
            out.append("\\")
        out.append(ch)
    return "".join(out)


def bold(text):
    return "*" + esc(text) + "*"


def option_line(o):
    names = "--" + o["name"]
    if o.get("short"):
        names = "-" + o["short"] + ", " + names
    if o.get("arg"):
        names += " " + o["arg"]
    return names


def command_section(prefix, c, out):
    out.append("## " + esc(prefix + " " + c["name"]).strip())
    out.append("")
    out.append(bold(c["usage"]))
    out.append("")
    out.append(esc(c["summary"][:1].upper() + c["summary"][1:]) + ".")
    notes = []
    if c.get("local"):
        notes.append("Runs on the home only (refused with *--server*).")
    else:
        notes.append("Runs on the home, or on a ferryd with *--server*.")
    if c.get("schedulable"):
        notes.append("*--at TIME* schedules it.")
    if c.get("read"):
        notes.append("Changes nothing; takes *--json*.")
    out.append(" ".join(notes))
    out.append("")
    for o in c["options"]:
        out.append(bold(option_line(o)))
        extra = []
        if o.get("required"):
            extra.append("required")
        if o.get("repeat"):
            extra.append("may be repeated")
        if o.get("local"):
            extra.append("on the home only")
        help_text = esc(o["help"]) + ("" if not extra else " (" + ", ".join(extra) + ")")
        out.append("\t" + help_text + ".")
        out.append("")


def header(name, section, out):
    out.append("%s(%s) \"ferry\" \"ferry manual\"" % (name, section))
    out.append("")


def group_page(g):
    out = []
    name = "ferry-" + g["name"]
    header(name, "1", out)
    out += ["# NAME", "", esc(name) + " - " + esc(g["summary"]), "", "# SYNOPSIS", ""]
    for c in g["commands"]:
        out.append(bold(c["usage"]))
        out.append("")
    out += ["# DESCRIPTION", "",
            "The commands of *ferry %s*. Every command answers *--help* (or *-h*) with its "
            "usage and options; global options (*ferry*(1)) may stand anywhere before *--*."
            % esc(g["name"]), "", "# COMMANDS", ""]
    for c in g["commands"]:
        command_section("ferry " + g["name"], c, out)
    out += ["# EXIT STATUS", "", "As *ferry*(1): 0 success, 2 usage, 3 not found, 4 conflict, "
            "5 refused, 6 verification failed, 7 store.", "",
            "# SEE ALSO", "", "*ferry*(1), " + SEE_ALSO, ""]
    return "\n".join(out)


def main_page(table):
    out = []
    header("ferry", "1", out)
    out += ["# NAME", "", "ferry - lifecycle service for business applications: projects, "
            "environments, packages, servicing and upgrades", "",
            "# SYNOPSIS", "",
            "*ferry* [_global options_] _group_ _command_ [_arguments_] [_options_]", "",
            "*ferry help* [_group_ [_command_]]", "",
            "# DESCRIPTION", "",
            "ferry keeps, for each project, its environments (development, sandbox, "
            "production), an asset library of signed packages and a release catalog with "
            "upgrade rules, and moves environments forward safely: servicing updates with "
            "sign-off and rollback, self-service upgrades with a way back at every step, "
            "database refresh, hotfixes and platform updates. Every operation is a "
            "resumable journal of steps.", "",
            "The commands run on the home (a directory and its state store) or, with "
            "*--server*, on a *ferryd*(8) through its REST API, with the same output.", "",
            "# GLOBAL OPTIONS", ""]
    for flag, text in GLOBALS:
        out += [bold(flag), "\t" + text, ""]
    out += ["# COMMANDS", ""]
    for g in table:
        if g.get("commands"):
            out += [bold("ferry " + g["name"]), "\t" + esc(g["summary"]) +
                    ": *ferry-%s*(1)." % esc(g["name"]), ""]
    for g in table:
        if g.get("command"):
            command_section("ferry", g["command"], out)
    out += ["# EXIT STATUS", ""]
    for code, text in EXIT_CODES:
        out += [bold(code), "\t" + text + ".", ""]
    out += ["# ENVIRONMENT", ""]
    for var, text in ENVIRONMENT:
        out += [bold(var), "\t" + text, ""]
    out += ["# FILES", "",
            "_$XDG_CONFIG_HOME/ferry/config_ (else _~/.config/ferry/config_)",
            "\t*key = value* lines: *server*, *token* and any setting of *ferryd.conf*(5).", "",
            "_$XDG_DATA_HOME/ferry_ (else _~/.local/share/ferry_)",
            "\tthe default home of a user.", "",
            "_/usr/share/ferry_", "\tshipped data: release catalogs, the web UI, the OpenAPI "
            "document, examples.", "",
            "# EXAMPLES", "",
            "```", "ferry init", "ferry upgrade check --from 7.3 --to 8.1",
            "ferry env list --json", "ferry upgrade begin contoso-uat --to 8.1", "```", "",
            "# SEE ALSO", ""]
    pages = ["*ferry-%s*(1)" % esc(g["name"]) for g in table if g.get("commands")]
    out += [", ".join(pages) + ", " + SEE_ALSO, ""]
    return "\n".join(out)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-man.py HELP.json OUTDIR")
    with open(sys.argv[1]) as f:
        table = json.load(f)
    outdir = sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    pages = {"ferry.1.scd": main_page(table)}
    for g in table:
        if g.get("commands"):
            pages["ferry-%s.1.scd" % g["name"]] = group_page(g)
    for name, text in pages.items():
        with open(os.path.join(outdir, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
