#!/usr/bin/python3
# The documentation cannot silently fall behind the code.  The facts come
# from the code itself: the command table in main.c, each command's (and
# each action's) --help as the built binary prints it, the exit codes of
# the top-level --help, the configuration keys of vsa-config.c, the
# environment variables the sources read, the hook's operation table.
# Checked against: the rendered man pages (what `man` shows: section by
# section) and the bash completion's option tables (both directions).
# Usage: test-docs-sync.py CLI SOURCE-ROOT MAN1 MAN8 COMPLETION   (TAP)
import re
import subprocess
import sys

cli, root, man1_path, man8_path, completion = sys.argv[1:6]
results = []


def check(name, problems):
    results.append((name, problems))


def run_help(*words):
    out = subprocess.run([cli, *words, "--help"], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    if out.returncode != 0:
        raise SystemExit(f"Bail out! {' '.join(words)} --help exited {out.returncode}: {out.stderr}")
    return out.stdout


def options_of(help_text):
    """{'--name': takes_argument} and short options of the option lines."""
    opts, shorts = {}, set()
    for line in help_text.splitlines():
        m = re.match(r"^\s+(?:-([a-zA-Z]), )?--([a-z][a-z0-9-]*)(=\S+)?(\s|$)", line)
        if m:
            opts["--" + m.group(2)] = m.group(3) is not None
            if m.group(1):
                shorts.add("-" + m.group(1))
    return opts, shorts


def actions_of(command, help_text):
    """Action words: a 'Subcommands:' list, or the usage line's alternatives."""
    actions = []
    lines = help_text.splitlines()
    if "Subcommands:" in lines:
        for line in lines[lines.index("Subcommands:") + 1:]:
            m = re.match(r"^  ([a-z][a-z-]*)\s{2,}", line)
            if not m:
                break
            actions.append(m.group(1))
        return actions
    usage = lines[lines.index("Usage:") + 1]
    rest = usage.split(f" {command}", 1)[1]
    first = (rest.split() or [""])[0]
    if first and re.fullmatch(r"[a-z]+(\|[a-z]+)*", first):
        actions += first.split("|")
    actions += [w for w in re.findall(r"\| ([a-z]+)\b", rest) if w not in actions]
    return actions


def roff_sections(path):
    """[(level, title, text)] of a rendered page, font escapes removed."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"\\f[BIRP]", "", text).replace("\\&", "").replace("\\-", "-")
    sections, current = [], None
    for line in text.splitlines():
        m = re.match(r"^\.(SH|SS) (.*)$", line)
        if m:
            current = [m.group(1), m.group(2).strip('"'), ""]
            sections.append(current)
        elif current is not None and not line.startswith("."):
            current[2] += line + "\n"
    return sections


def mentions(text, word):
    return re.search(r"(?<![A-Za-z0-9_-])" + re.escape(word) + r"(?![A-Za-z0-9_-])", text) is not None


main_c = open(f"{root}/virt-spice-admin/main.c").read()
commands = [c.replace("_", "-") for c in re.findall(r'^\s*&vsa_command_([a-z_]+),', main_c, re.M)]
top_help = run_help()
global_opts, global_shorts = options_of(top_help)

# The facts: options per (command, action).
facts = {}
actions = {}
for command in commands:
    help_text = run_help(command)
    actions[command] = actions_of(command, help_text)
    facts[(command, "")] = options_of(help_text)
    for action in actions[command]:
        facts[(command, action)] = options_of(run_help(command, action))
# After the command, every --help lists the global options but --version.
after_command = {o: a for o, a in global_opts.items() if o != "--version"}

man1 = roff_sections(man1_path)
man8 = roff_sections(man8_path)
sh1 = {title: text for level, title, text in man1 if level == "SH"}
ss1 = {title.split()[0]: text for level, title, text in man1 if level == "SS"}
sh8 = {title: text for level, title, text in man8 if level == "SH"}

check("the man page has a section for every command of main.c's table",
      [f"no '.SS {c} ...' section" for c in commands if c not in ss1])
check("the man page documents no command main.c lacks",
      [f"section '{c}' is not a command" for c in ss1 if c not in commands])

problems = [f"GLOBAL OPTIONS lacks {o}" for o in sorted(global_opts) + sorted(global_shorts)
            if not mentions(sh1.get("GLOBAL OPTIONS", ""), o)]
check("GLOBAL OPTIONS lists every option of 'virt-spice-admin --help'", problems)

for command in commands:
    problems = []
    for (c, action), (opts, shorts) in facts.items():
        if c != command:
            continue
        for o in sorted(set(opts) - set(after_command)) + sorted(shorts - global_shorts):
            if not mentions(ss1.get(command, ""), o):
                problems.append(f"{command}{' ' + action if action else ''} --help prints {o}, "
                                f"its man page section does not")
        # `volume --help` is a list of subcommands, with no option lines.
        for o in sorted(set(after_command) - set(opts)) if opts else []:
            problems.append(f"{command} {action} --help lacks the global option {o}")
    for action in actions[command]:
        if not mentions(ss1.get(command, ""), action):
            problems.append(f"section '{command}' does not mention action '{action}'")
    check(f"man page section '{command}' covers every option its --help prints", problems)

codes = re.findall(r"^  (\d)  ", top_help.split("Exit status:")[1], re.M)
exit_text = sh1.get("EXIT STATUS", "")
check("EXIT STATUS lists every exit code of VSA_EXIT_CODES_HELP",
      [f"exit code {c} missing" for c in codes if not re.search(rf"^{c}$", exit_text, re.M)] +
      ([] if codes else ["no exit codes parsed from --help"]))

config_c = open(f"{root}/virt-spice-admin/core/vsa-config.c").read()
# The key table: { GROUP, "key", &TYPE, FIELD (field), DEFAULT, "doc", ... }.
rows = re.findall(r'^\s*\{ GROUP, "([a-z0-9-]+)", &[A-Z_]+, FIELD \([a-z_]+\),\s*'
                  r'(NULL|"[^"]*"|[A-Z_]+),', config_c, re.M)
keys = [k for k, _ in rows]
example = open(f"{root}/docs/examples/virt-spice-admin.conf").read()
check("CONFIGURATION names every key of vsa-config.c",
      [f"key {k} missing" for k in keys if not mentions(sh1.get("CONFIGURATION", ""), k)] +
      ([] if keys else ["no keys parsed from vsa-config.c"]))
check("the example configuration documents every key",
      [f"key {k} missing" for k in keys if not re.search(rf"^#?{re.escape(k)} =", example, re.M)])

# The example shows each default as the value (commented out when unset).
macros = dict(re.findall(r'#define (VSA_[A-Z_]+) "([^"]*)"', open(f"{root}/xml/vsa-nft.h").read()))
problems = []
for k, default in rows:
    m = re.search(rf"^(#?){re.escape(k)} =[ ]?(.*)$", example, re.M)
    if m is None:
        continue
    value = None if default == "NULL" else macros.get(default, default.strip('"'))
    if value in (None, "") and m.group(1) == "#":
        continue   # unset by default: the example shows it commented out
    if (m.group(1), m.group(2)) != ("", value):
        problems.append(f"{k}: default '{value}', the example shows '{m.group(1)}{m.group(2)}'")
check("the example configuration shows every key's default", problems)

env = set()
for path in subprocess.run(["find", f"{root}/virt-spice-admin", f"{root}/hooks", f"{root}/xml",
                            "-name", "*.[ch]"], capture_output=True, text=True).stdout.split():
    src = open(path).read()
    env |= set(re.findall(r'g_getenv \("([A-Z_]+)"\)', src))
    env |= set(re.findall(r'#define \w+_ENV "([A-Z_]+)"', src))
env_text = sh1.get("ENVIRONMENT", "") + sh8.get("ENVIRONMENT", "")
check("ENVIRONMENT (of either page) names every variable the sources read",
      [f"{v} missing" for v in sorted(env) if not mentions(env_text, v)] +
      ([] if env else ["no variables found"]))

table = open(f"{root}/xml/vsa-hook-table.c").read()
ops = re.findall(r'\{ "([a-z]+)", "([a-z]+)", VSA_HOOK_', table)
check("the hook page's OPERATIONS covers every entry of the hook table",
      [f"{o} {s} missing" for o, s in ops if f"{o} {s}" not in sh8.get("OPERATIONS", "")] +
      ([] if ops else ["no operations parsed"]))
check("the hook page names both programs and the qemu.d link",
      [w for w in ("virt-spice-admin-hook-worker", "50-virt-spice-admin", "never calls the libvirt")
       if w not in open(man8_path).read().replace("\\-", "-")])


# The completion's tables, read by sourcing the script.
def bash(script, *args):
    return subprocess.run(["bash", "-c", f'source "$0"; {script}', completion, *args],
                          capture_output=True, text=True, check=True).stdout.split()


problems = []
if sorted(bash('echo "$_virt_spice_admin_commands"')) != sorted(commands):
    problems.append(f"commands differ: {sorted(bash('echo $_virt_spice_admin_commands'))} vs {sorted(commands)}")
want_global = sorted(o + ("=" if a else "") for o, a in after_command.items())
if sorted(bash('echo "$_virt_spice_admin_global_options"')) != want_global:
    problems.append(f"global options differ from --help: want {want_global}")
for (command, action), (opts, _) in sorted(facts.items()):
    want = sorted(o + ("=" if a else "") for o, a in opts.items() if o not in after_command)
    got = sorted(bash('_virt_spice_admin_options "$1" "$2"', command, action))
    if got != want:
        problems.append(f"{command} {action}: completion has {got}, --help prints {want}")
for command in commands:
    got = bash('_virt_spice_admin_actions "$1"', command)
    if actions[command] and got != actions[command]:
        problems.append(f"{command}: completion actions {got}, --help shows {actions[command]}")
check("the completion's option tables match every --help exactly", problems)

print(f"1..{len(results)}")
for i, (name, problems) in enumerate(results, 1):
    print(f"{'not ok' if problems else 'ok'} {i} - {name}")
    for p in problems:
        print(f"# {p}")
