#!/bin/bash
# docs_commands.sh — issue 9: every command in the docs (README.md and
# docs/*.md) is exercised or checked, and so are the files they write and
# the Kubernetes examples:
#
# - ```sh/```bash blocks: `bash -n` on each block; ``` or ```console
#   blocks: the lines that start with "$ ";
# - every `sipcanary ...` command, in those blocks, in inline code spans,
#   inside quoted strings (parallel-ssh '...') and in YAML strings: the
#   subcommand exists in `sipcanary --help`, and every option it uses is
#   in that subcommand's --help; a scenario file it names exists;
# - docs/sipcanary.conf.example loads (password files replaced), and
#   debian/sipcanary.conf loads as shipped with every target disabled;
# - the ones that are safe are run: `--help`, `--version`, and
#   `run -n -c FILE` for FILE = docs/sipcanary.conf.example (password
#   files replaced by temporary ones) and /etc/sipcanary/sipcanary.conf
#   (the file the Debian package installs: debian/sipcanary.conf);
# - heredocs: a sipcanary.conf written (cat >) or appended to (cat >>,
#   onto the packaged config) is loaded with `run -n`; a YAML file is
#   parsed and checked by promtool/amtool/the Kubernetes models;
# - untyped blocks holding a full target "..." { } config: `run -n`; an
#   untyped block that starts with "# NAME.scn" is a scenario file,
#   written where those configs are, so that one naming it loads it;
# - ```yaml blocks: parsed; Prometheus rules and configs checked with
#   promtool, Alertmanager configs with amtool, Kubernetes objects
#   against the Kubernetes API models (python3-kubernetes, when
#   installed: unknown fields and wrong types fail);
# - docs/k8s/*.yaml: the same, plus: the ConfigMap's sipcanary.conf loads
#   with `run -n`, the Deployment's container arguments are valid
#   sipcanary options, and each SIPCANARY_PASSWORD_* it sets belongs to a
#   target of the ConfigMap;
# - repository paths in commands (docs/..., scenarios/..., scripts/...)
#   exist; relative links between the docs resolve (a missing file is a
#   warning, a missing #anchor in an existing file a failure);
# - file names of the package (sipcanary_X_arch.deb) carry the version
#   of debian/changelog.
#
# Non-sipcanary commands (systemctl, kubectl, curl, apt-get) are checked
# for syntax only.  A failure is reported as FILE:LINE: what is wrong.
# Needs python3 with PyYAML (python3-yaml); skips without them.
# DOCS_VERBOSE=1 lists every command checked, run or loaded.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require_sipcanary

PY=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import yaml' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || tb_skip "needs python3 with PyYAML (apt-get install python3-yaml)"

cat >"$TB/check.py" <<'PYEOF'
import glob, os, re, shlex, subprocess, sys, tempfile

top, sc, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
import yaml

failures, warnings = [], []
verbose = os.environ.get("DOCS_VERBOSE") == "1"
stats = {"commands": 0, "run": 0, "shell_blocks": 0, "yaml_docs": 0,
         "configs": 0, "k8s_objects": 0}

def fail(where, msg):
    failures.append("%s: %s" % (where, msg))

def warn(where, msg):
    warnings.append("%s: %s" % (where, msg))

def rel(path):
    return os.path.relpath(path, top)

def run(cmd, env=None, input=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e,
                       input=input, timeout=60)
    return p.returncode, p.stdout, p.stderr

def have(tool):
    return any(os.access(os.path.join(d, tool), os.X_OK)
               for d in os.environ.get("PATH", "").split(":"))

# ---------------------------------------------------------------------------
# what the binary offers

def help_options(text):
    opts = set(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)", text))
    opts |= set(re.findall(r"(?<![\w-])(-[a-zA-Z])(?=[\s,|\]])", text))
    return opts

rc, top_help, _ = run([sc, "--help"])
if rc != 0:
    fail("sipcanary --help", "exit status %d" % rc)
m = re.search(r"^commands:\n((?:  \S.*\n)+)", top_help, re.M)
subcommands = set(l.split()[0] for l in m.group(1).splitlines()) if m else set()
if not subcommands:
    fail("sipcanary --help", "no commands: section")
top_opts = help_options(top_help.split("commands:")[-1])
sub_help, sub_opts = {}, {}
for s in sorted(subcommands):
    rc, out, err = run([sc, s, "--help"])
    if rc != 0:
        fail("sipcanary %s --help" % s, "exit status %d" % rc)
    sub_help[s] = out
    sub_opts[s] = help_options(out)
report_verbs = set(re.findall(r"sipcanary report (\w+)", sub_help.get("report", "")))

def changelog_version():
    try:
        with open(os.path.join(top, "debian/changelog")) as f:
            return re.match(r"\S+ \(([^)]+)\)", f.readline()).group(1)
    except (OSError, AttributeError):
        return None
version = changelog_version()

# ---------------------------------------------------------------------------
# configs: load them with run -n

def password_env(name):
    return "SIPCANARY_PASSWORD_" + "".join(
        c.upper() if c.isascii() and c.isalnum() else "_" for c in name)

secret_n = [0]
def secret_file():
    secret_n[0] += 1
    p = os.path.join(tmp, "secret%d" % secret_n[0])
    with open(p, "w") as f:
        f.write("docs-test-password\n")
    os.chmod(p, 0o600)
    return p

tls_pair = []
def tls_files():
    """A certificate and its key (mode 0600), made once: what the
    client_cert, client_key and ca_file of the docs' profiles become."""
    if not tls_pair:
        crt, key = os.path.join(tmp, "docs.crt"), os.path.join(tmp, "docs.key")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=docs",
             "-days", "30", "-keyout", key, "-out", crt])
        os.chmod(key, 0o600)
        tls_pair.extend([crt, key])
    return tls_pair

def load_config(where, text, env=None):
    """run -n on text, password files, client certificates and their
    keys and profiles' trust stores replaced, and every target's
    password variable set; returns True if it loads."""
    stats["configs"] += 1
    if verbose:
        print("%s: config loaded with run -n" % where)
    text = re.sub(r'(password_file\s*=\s*)"[^"]*"',
                  lambda m: '%s"%s"' % (m.group(1), secret_file()), text)
    if re.search(r'^\s*profile\s+"', text, re.M):
        crt, key = tls_files()
        text = re.sub(r'((?:client_cert|ca_file)\s*=\s*)"[^"]*"',
                      lambda m: '%s"%s"' % (m.group(1), crt), text)
        text = re.sub(r'(client_key\s*=\s*)"[^"]*"',
                      lambda m: '%s"%s"' % (m.group(1), key), text)
    e = dict(env or {})
    for name in re.findall(r'^\s*target\s+"([^"]+)"', text, re.M):
        e.setdefault(password_env(name), "docs-test-password")
    path = os.path.join(tmp, "conf%d.conf" % stats["configs"])
    with open(path, "w") as f:
        f.write(text)
    rc, out, err = run([sc, "run", "-n", "-c", path], env=e)
    stats["run"] += 1
    if rc != 0:
        fail(where, "the config does not load (sipcanary run -n, exit %d): %s"
             % (rc, (err or out).strip().replace(path, "<config>")))
        return False
    return True

def packaged_config():
    p = os.path.join(top, "debian/sipcanary.conf")
    return open(p).read() if os.path.exists(p) else None

def example_config():
    return open(os.path.join(top, "docs/sipcanary.conf.example")).read()

def config_for_path(path):
    """The text behind a config path named in the docs, or None."""
    if path.endswith("sipcanary.conf.example"):
        return example_config()
    if path == "/etc/sipcanary/sipcanary.conf":
        return packaged_config()
    return None

# ---------------------------------------------------------------------------
# sipcanary command lines

WRAPPERS = {"sudo", "exec", "env", "nohup", "time", "command"}

def strip_prefix(toks):
    i = 0
    while i < len(toks):
        t = toks[i]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", t) or t in WRAPPERS:
            i += 1
        elif t == "timeout":
            i += 2
        elif t == "runuser" and "--" in toks[i:]:
            i = toks.index("--", i) + 1
        else:
            break
    return toks[i:]

def is_placeholder(t):
    return bool(re.match(r"^[A-Z][A-Z0-9_]*$", t))

def scenario_path(arg):
    for pre in ("/usr/share/sipcanary/scenarios/", "scenarios/"):
        if arg.startswith(pre):
            return os.path.join(top, "scenarios", arg[len(pre):])
    return None

def check_sipcanary(where, toks, strict):
    """toks[0] is the sipcanary program.  strict: an unknown subcommand
    is an error (not for prose that merely names the program)."""
    args = toks[1:]
    if not args:
        return
    first = args[0]
    if not first.startswith("-") and first not in subcommands:
        if strict and not is_placeholder(first) and \
                re.match(r"^[a-z][a-z-]*$", first):
            fail(where, "sipcanary %s: no such command (sipcanary --help "
                 "lists %s)" % (first, ", ".join(sorted(subcommands))))
        return
    stats["commands"] += 1
    if verbose:
        print("%s: %s" % (where, " ".join(toks)))
    if first.startswith("-"):
        sub, opts, rest = None, top_opts, args
    else:
        sub, opts, rest = first, sub_opts[first], args[1:]
    positional = []
    for t in rest:
        if t == "--":
            break
        names = []
        if re.match(r"^--[a-z0-9][a-z0-9-]*(=.*)?$", t):
            names = [t.split("=", 1)[0]]
        elif re.match(r"^-[a-zA-Z]+$", t):
            names = ["-" + c for c in t[1:]]
        elif not t.startswith("-"):
            positional.append(t)
        for n in names:
            if n not in opts:
                fail(where, "sipcanary %s: option %s is not in `sipcanary "
                     "%s--help`" % (sub or "", n, sub + " " if sub else ""))
    if sub == "report" and positional and not is_placeholder(positional[0]) \
            and positional[0] not in report_verbs:
        fail(where, "sipcanary report %s: no such report command (%s)"
             % (positional[0], ", ".join(sorted(report_verbs))))
    if sub == "drill":
        for p in positional:
            if p.endswith(".scn"):
                sp = scenario_path(p)
                if sp and not os.path.exists(sp):
                    fail(where, "scenario %s does not exist (%s)" % (p, rel(sp)))
    # run what is safe
    if args in (["--help"], ["-h"], ["--version"], ["-V"]) or \
            (sub and rest in (["--help"], ["-h"])):
        rc, out, err = run([sc] + args)
        stats["run"] += 1
        if verbose:
            print("%s: ran sipcanary %s: exit %d" % (where, " ".join(args), rc))
        if rc != 0:
            fail(where, "`sipcanary %s` exits %d" % (" ".join(args), rc))
    elif sub == "run" and any(t in ("-n", "--check") for t in rest):
        path = None
        for i, t in enumerate(rest):
            if t in ("-c", "--config") and i + 1 < len(rest):
                path = rest[i + 1]
            elif t.startswith("--config="):
                path = t.split("=", 1)[1]
        text = config_for_path(path) if path else None
        if text is not None:
            load_config(where, text)

def shell_tokens(text):
    lex = shlex.shlex(text, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    return list(lex)

def scan_shell(where, text, strict=True):
    """Every command of a shell text: sipcanary ones are checked,
    quoted strings holding commands are scanned in turn."""
    try:
        toks = shell_tokens(text)
    except ValueError:
        toks = text.replace("'", " ").replace('"', " ").split()
    cmds, cur, skip = [], [], False
    for t in toks:
        if skip:
            skip = False
            continue
        # punctuation_chars makes one token of a run of operators: ");"
        if t == "$" or (set(t) <= set("();|&") and t):
            if cur:
                cmds.append(cur)
            cur = []
        elif re.match(r"^\d*[<>][<>&|-]*$", t):
            skip = True   # a redirection: its target follows
        else:
            cur.append(t)
    if cur:
        cmds.append(cur)
    for c in cmds:
        c = strip_prefix(c)
        if not c:
            continue
        if os.path.basename(c[0]) == "sipcanary":
            check_sipcanary(where, c, strict)
        else:
            check_paths(where, c)
        for t in c[1:]:
            if re.search(r"(^|\s)(\S*/)?sipcanary\s+\S", t) and " " in t:
                scan_shell(where, t, strict=False)

def check_paths(where, toks):
    for t in toks:
        t2 = t.split("=", 1)[1] if t.startswith("--") and "=" in t else t
        if t2.startswith("./"):
            t2 = t2[2:]
        if re.match(r"^(docs|scenarios|scripts|tests|debian)/", t2):
            t2 = t2.split("#")[0]
            if not glob.glob(os.path.join(top, t2)):
                fail(where, "%s does not exist in the source tree" % t)

# ---------------------------------------------------------------------------
# YAML: Prometheus, Alertmanager, Kubernetes

try:
    import kubernetes.client as k8s
except Exception:
    k8s = None

def k8s_class(obj):
    api, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    ver = api.split("/")[-1]
    return "%s%s" % (ver[0].upper() + ver[1:], kind)

def k8s_check(where, value, typ, path):
    if value is None:
        return
    if typ.startswith("list["):
        if not isinstance(value, list):
            fail(where, "%s: expected a list" % path)
            return
        for i, v in enumerate(value):
            k8s_check(where, v, typ[5:-1], "%s[%d]" % (path, i))
    elif typ.startswith("dict("):
        if not isinstance(value, dict):
            fail(where, "%s: expected a map" % path)
            return
        inner = typ[5:-1].split(",", 1)[1].strip()
        for k, v in value.items():
            k8s_check(where, v, inner, "%s.%s" % (path, k))
    elif typ == "str":
        if not isinstance(value, str):
            fail(where, "%s: expected a string, not %r" % (path, value))
    elif typ == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            fail(where, "%s: expected an integer, not %r" % (path, value))
    elif typ == "bool":
        if not isinstance(value, bool):
            fail(where, "%s: expected true or false, not %r" % (path, value))
    elif typ in ("object", "float", "datetime", "date"):
        pass
    else:
        cls = getattr(k8s, typ, None)
        if cls is None:
            return
        if not isinstance(value, dict):
            fail(where, "%s: expected a %s map" % (path, typ))
            return
        fields = {v: k for k, v in cls.attribute_map.items()}
        for k, v in value.items():
            if k not in fields:
                fail(where, "%s.%s: no such field in %s" % (path, k, typ))
            else:
                k8s_check(where, v, cls.openapi_types[fields[k]],
                          "%s.%s" % (path, k))

# The objects of docs/k8s/, which refer to each other across files.
K8S_DIR = []
for _f in sorted(glob.glob(os.path.join(top, "docs", "k8s", "*.y*ml"))):
    try:
        K8S_DIR += [d for d in yaml.safe_load_all(open(_f)) if isinstance(d, dict)]
    except yaml.YAMLError:
        pass

def check_k8s(where, obj, all_objs):
    stats["k8s_objects"] += 1
    if where.startswith("docs/k8s/"):
        all_objs = K8S_DIR
    for key in ("apiVersion", "kind"):
        if key not in obj:
            fail(where, "Kubernetes object without %s" % key)
            return
    name = (obj.get("metadata") or {}).get("name")
    if not name:
        fail(where, "%s without metadata.name" % obj["kind"])
    if k8s is not None:
        cname = k8s_class(obj)
        if getattr(k8s, cname, None) is None:
            warn(where, "no model %s to check %s against" % (cname, obj["kind"]))
        else:
            k8s_check(where, obj, cname, obj["kind"])
            try:
                k8s.ApiClient()._ApiClient__deserialize(obj, cname)
            except (ValueError, TypeError) as e:
                fail(where, "%s %s: %s" % (obj["kind"], name, e))
    # sipcanary inside
    if obj["kind"] == "ConfigMap":
        for k, v in (obj.get("data") or {}).items():
            if isinstance(v, str) and k.endswith(".conf") and "target" in v:
                env = {}
                for d in all_objs:
                    for c in pod_containers(d):
                        for e in c.get("env") or []:
                            env[e["name"]] = "docs-test-password"
                load_config("%s (ConfigMap %s, %s)" % (where, name, k), v, env)
    targets = set()
    for d in all_objs:
        if d.get("kind") == "ConfigMap":
            for v in (d.get("data") or {}).values():
                if isinstance(v, str):
                    targets |= set(re.findall(r'^\s*target\s+"([^"]+)"', v, re.M))
    for c in pod_containers(obj):
        image = c.get("image", "")
        cmd = (c.get("command") or []) + (c.get("args") or [])
        if "sipcanary" in image and not c.get("command"):
            check_sipcanary("%s (container %s)" % (where, c.get("name")),
                            ["sipcanary"] + cmd, True)
        for s in cmd:
            if "sipcanary " in s:
                scan_shell("%s (container %s)" % (where, c.get("name")), s)
        for e in c.get("env") or []:
            n = e.get("name", "")
            if n.startswith("SIPCANARY_PASSWORD_") and targets and \
                    n not in {password_env(t) for t in targets}:
                fail(where, "%s matches no target of the ConfigMap (%s)"
                     % (n, ", ".join(sorted(targets))))

def pod_containers(obj):
    spec = obj.get("spec") or {}
    tmpl = (spec.get("template") or {}).get("spec") or {}
    if obj.get("kind") == "Pod":
        tmpl = spec
    if obj.get("kind") == "CronJob":
        tmpl = ((((spec.get("jobTemplate") or {}).get("spec") or {})
                 .get("template") or {}).get("spec") or {})
    return (tmpl.get("containers") or []) + (tmpl.get("initContainers") or [])

def yaml_strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from yaml_strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from yaml_strings(x)

def check_yaml(where, text, name_hint=""):
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        fail(where, "YAML does not parse: %s" % str(e).replace("\n", " "))
        return
    stats["yaml_docs"] += len(docs)
    path = os.path.join(tmp, "doc%d.yml" % stats["yaml_docs"])
    with open(path, "w") as f:
        f.write(text)
    for d in docs:
        if not isinstance(d, dict):
            continue
        if "apiVersion" in d and "kind" in d:
            check_k8s(where, d, docs)
        elif "groups" in d and "tests" not in d:
            if have("promtool"):
                rc, out, err = run(["promtool", "check", "rules", path])
                if rc != 0:
                    fail(where, "promtool check rules: %s" % (out + err).strip())
        elif "route" in d or "receivers" in d:
            if have("amtool"):
                rc, out, err = run(["amtool", "check-config", path])
                if rc != 0:
                    fail(where, "amtool check-config: %s" % (out + err).strip())
        elif set(d) & {"scrape_configs", "alerting", "rule_files", "global"}:
            if have("promtool"):
                rc, out, err = run(["promtool", "check", "config",
                                    "--syntax-only", path])
                if rc != 0:
                    fail(where, "promtool check config: %s" % (out + err).strip())
        for s in yaml_strings(d):
            if re.search(r"(^|\s)(\S*/)?sipcanary\s+\S", s) and \
                    not (d.get("kind") and pod_containers(d)):
                scan_shell(where, s, strict=False)

# ---------------------------------------------------------------------------
# Markdown

def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[`*_]", "", s)
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")

def anchors(path):
    out = set()
    infence = False
    for line in open(path):
        if re.match(r"^\s*(```|~~~)", line):
            infence = not infence
        elif not infence:
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                out.add(slug(m.group(1)))
    return out

def heredocs(lines):
    """(start index, target file, append?, body lines, body start index)
    for every heredoc; also the lines with the bodies blanked."""
    out, keep, i = [], list(lines), 0
    while i < len(lines):
        m = re.search(r"<<-?\s*(['\"]?)(\w+)\1", lines[i])
        if m:
            delim = m.group(2)
            tm = re.search(r"(?:cat|tee)\s+(?:-a\s+)?(>>?)?\s*(\S+)", lines[i])
            target = tm.group(2) if tm else ""
            append = bool(tm and (tm.group(1) == ">>" or " -a " in lines[i]))
            body, j = [], i + 1
            while j < len(lines) and lines[j].strip() != delim:
                body.append(lines[j])
                keep[j] = ""
                j += 1
            out.append((i, target, append, body, i + 1))
            i = j + 1
        else:
            i += 1
    return out, keep

def logical_lines(lines):
    """Join backslash continuations and unclosed quotes: (index, text)."""
    out, i = [], 0
    while i < len(lines):
        start, text = i, lines[i]
        while True:
            if text.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text.rstrip()[:-1] + " " + lines[i]
                continue
            try:
                shell_tokens(text)
            except ValueError:
                if i + 1 < len(lines):
                    i += 1
                    text = text + "\n" + lines[i]
                    continue
            break
        out.append((start, text))
        i += 1
    return out

def check_heredoc(where, target, append, body):
    text = "\n".join(body) + "\n"
    base = os.path.basename(target)
    if target.endswith((".yml", ".yaml")):
        check_yaml(where, text)
    elif base.endswith(".conf") and "sipcanary" in target and \
            "systemd" not in target:
        if append:
            packaged = config_for_path(target)
            if packaged is None:
                warn(where, "appends to %s: no base config to check it on"
                     % target)
                return
            text = packaged + text
        load_config(where, text)

def check_markdown(path):
    lines = open(path).read().split("\n")
    name = rel(path)
    i, infence = 0, None
    blocks = []
    prose = []
    while i < len(lines):
        m = re.match(r"^(\s*)(```+|~~~+)\s*([\w+-]*)", lines[i])
        if m:
            fence, lang, start = m.group(2), m.group(3).lower(), i + 1
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i])
                i += 1
            blocks.append((lang, start, body))
        else:
            prose.append((i, lines[i]))
        i += 1
    # inline code spans
    for n, line in prose:
        for m in re.finditer(r"(`+)(.+?)\1", line):
            span = m.group(2).strip()
            try:
                first = strip_prefix(shell_tokens(span))[:1]
            except ValueError:
                first = []
            if first and os.path.basename(first[0]) == "sipcanary" and \
                    re.search(r"sipcanary\s+\S", span):
                scan_shell("%s:%d" % (name, n + 1), span)
        # relative links
        for m in re.finditer(r"\]\(([^)\s]+)\)", line):
            link = m.group(1)
            if re.match(r"^[a-z]+:", link):
                continue
            target, _, anchor = link.partition("#")
            tpath = os.path.normpath(os.path.join(os.path.dirname(path),
                                                  target)) if target else path
            where = "%s:%d" % (name, n + 1)
            if not os.path.exists(tpath):
                warn(where, "link to %s: no such file (yet)" % link)
            elif anchor and tpath.endswith(".md") and \
                    anchor not in anchors(tpath):
                fail(where, "link to %s: no heading #%s in %s"
                     % (link, anchor, rel(tpath)))
        if version:
            for m in re.finditer(r"sipcanary_(\d[\w.~+-]*?)_(amd64|arm64|all)",
                                 line):
                if m.group(1) != version:
                    fail("%s:%d" % (name, n + 1), "%s: the package version "
                         "is %s (debian/changelog)" % (m.group(0), version))
    for lang, start, body in blocks:
        where0 = "%s:%d" % (name, start + 1)
        text = "\n".join(body)
        if version:
            for k, l in enumerate(body):
                for m in re.finditer(r"sipcanary_(\d[\w.~+-]*?)_(amd64|arm64|all)",
                                     l):
                    if m.group(1) != version:
                        fail("%s:%d" % (name, start + k + 2), "%s: the package "
                             "version is %s (debian/changelog)"
                             % (m.group(0), version))
        if lang in ("sh", "bash", "shell"):
            stats["shell_blocks"] += 1
            f = os.path.join(tmp, "block.sh")
            with open(f, "w") as fh:
                fh.write(text + "\n")
            rc, out, err = run(["bash", "-n", f])
            if rc != 0:
                m = re.search(r"line (\d+)", err)
                ln = start + 1 + (int(m.group(1)) if m else 1)
                fail("%s:%d" % (name, ln), "bash -n: %s"
                     % err.strip().replace(f + ": ", ""))
            docs, kept = heredocs(body)
            for (k, target, append, hbody, bstart) in docs:
                check_heredoc("%s:%d" % (name, start + k + 2), target,
                              append, hbody)
            for k, ltext in logical_lines(kept):
                scan_shell("%s:%d" % (name, start + k + 2), ltext)
        elif lang in ("yaml", "yml"):
            check_yaml(where0, text)
        elif lang in ("", "console", "text", "conf"):
            # A scenario file shown whole ("# NAME.scn" first): written
            # next to the configs, so that a config naming it loads it
            # (and checks it) as the docs say.
            m = re.match(r"#\s*([A-Za-z0-9_.-]+\.scn)\s*$", body[0] if body else "")
            if m:
                with open(os.path.join(tmp, m.group(1)), "w") as fh:
                    fh.write(text + "\n")
                stats["scenarios"] = stats.get("scenarios", 0) + 1
            prompt = [(k, l[2:]) for k, l in enumerate(body)
                      if l.startswith("$ ")]
            for k, l in prompt:
                j = k
                while l.rstrip().endswith("\\") and j + 1 < len(body):
                    j += 1
                    l = l.rstrip()[:-1] + " " + body[j]
                scan_shell("%s:%d" % (name, start + k + 2), l)
            if re.search(r'^\s*target\s+"[^"]+"\s*\{', text, re.M) and \
                    not prompt and re.search(r"^\s*uri\s*=", text, re.M):
                load_config(where0, text)

# The configs the docs point at: the commented example (password files
# replaced), and the one the package installs, exactly as shipped (no
# password files, no environment: every target must load disabled).
load_config("docs/sipcanary.conf.example:1", example_config())
if packaged_config() is not None:
    stats["configs"] += 1
    rc, out, err = run([sc, "run", "-n", "-c",
                        os.path.join(top, "debian/sipcanary.conf")],
                       env={k: "" for k in os.environ
                            if k.startswith("SIPCANARY_PASSWORD")})
    stats["run"] += 1
    if rc != 0:
        fail("debian/sipcanary.conf:1", "the packaged config does not load "
             "as shipped: %s" % (err or out).strip())
    elif "(0 enabled)" not in out:
        fail("debian/sipcanary.conf:1", "the packaged config enables a "
             "target: %s" % out.splitlines()[0])

files = [os.path.join(top, "README.md")] + \
    sorted(glob.glob(os.path.join(top, "docs", "*.md")))
for f in files:
    if os.path.exists(f):
        check_markdown(f)
for f in sorted(glob.glob(os.path.join(top, "docs", "k8s", "*.y*ml"))):
    check_yaml(rel(f) + ":1", open(f).read())

for w in warnings:
    print("warning: " + w)
for f in failures:
    print("FAIL " + f)
print("checked %(commands)d sipcanary commands (%(run)d run), "
      "%(shell_blocks)d shell blocks, %(configs)d configs, "
      "%(yaml_docs)d YAML documents (%(k8s_objects)d Kubernetes objects)"
      % stats + " in %d files" % len(files) +
      ("" if k8s else "; python3-kubernetes not installed: Kubernetes "
       "fields not checked"))
sys.exit(1 if failures else 0)
PYEOF

mkdir -p "$TB/work"
rc=0
"$PY" "$TB/check.py" "$TB_TOP" "$(tb_sipcanary)" "$TB/work" >"$TB/check.out" 2>&1 || rc=$?
cat "$TB/check.out"
case $rc in
0) tb_pass "$(tail -n 1 "$TB/check.out")" ;;
1) tb_fail "$(grep -c '^FAIL ' "$TB/check.out") problems in the docs (above)" ;;
*) tb_fail "the checker itself failed (exit $rc)" ;;
esac
