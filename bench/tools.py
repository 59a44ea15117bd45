"""Helpers for bench/run.sh: the parts that are awkward in bash (JSON,
floating point, SigV4, markdown). Standard library only, so it runs with
the system python3 before any virtualenv exists.

Every measurement lands in one state file (a JSON object of key -> value)
through `put`/`put-hyperfine`; `render` turns it into the markdown table
once at the end, so the table is always computed from figures taken in the
same run.
"""
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import socket
import statistics
import sys
import time
import urllib.parse
import urllib.request


def state_path():
    return os.environ["BENCH_STATE"]


def load_state():
    try:
        with open(state_path()) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save_state(state):
    tmp = state_path() + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(tmp, state_path())


def parse_value(raw):
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


def cmd_put(key, value):
    """put KEY VALUE: record one figure or note."""
    state = load_state()
    state[key] = parse_value(value)
    save_state(state)


def add_times(state, name, times, cpu=None):
    """Accumulate run times under NAME (a measurement may be taken in
    several rounds, interleaved with the figures it is compared with, so
    that a change in machine load hits both alike); NAME holds the median
    of all of them, NAME.cpu the mean user+system time when known."""
    all_times = state.get(name + ".times", []) + list(times)
    state[name + ".times"] = all_times
    state[name] = statistics.median(all_times)
    state[name + ".runs"] = len(all_times)
    if cpu is not None:
        total = state.get(name + ".cpu_total", 0.0) + cpu * len(times)
        state[name + ".cpu_total"] = total
        state[name + ".cpu_runs"] = state.get(name + ".cpu_runs", 0) + len(times)
        state[name + ".cpu"] = total / state[name + ".cpu_runs"]


def cmd_put_hyperfine(keys, path):
    """put-hyperfine KEY[,KEY...] FILE: the run times of a hyperfine
    --export-json file, one key per command in the order they were given."""
    with open(path) as f:
        results = json.load(f)["results"]
    names = keys.split(",")
    if len(names) != len(results):
        sys.exit(f"tools.py: {path} has {len(results)} results for {len(names)} keys")
    state = load_state()
    for name, result in zip(names, results):
        add_times(state, name, result["times"], result["user"] + result["system"])
    save_state(state)


def cmd_get(key, default=None):
    """get KEY [DEFAULT]: print a recorded value."""
    value = load_state().get(key, default)
    if value is None:
        sys.exit(f"tools.py: nothing recorded under {key}")
    print(value)


def cmd_per_call(key, loop_key, empty_key, count):
    """per-call KEY LOOP EMPTY N: (LOOP - EMPTY) / N, the cost of one call
    inside a shell loop of N calls, without the shell's own start-up."""
    state = load_state()
    state[key] = max(0.0, (state[loop_key] - state[empty_key]) / int(count))
    save_state(state)


def cmd_hook_parse(path):
    """hook-parse FILE: the per-call figures in bench/hook.sh's report
    ("bash 5.2 prompt idle   22.8 µs   4.3 µs" = hook loop, empty loop),
    stored net of the empty loop as hook.awsmfa.SHELL.STATE (at a prompt)
    and hook.awsmfa.command.SHELL.STATE (before a command), in seconds."""
    state = load_state()
    found = 0
    with open(path) as f:
        for line in f:
            m = re.match(
                r"^(bash|zsh|fish)\b.*?\b(prompt|command)\b.*?\b(idle|active)\b.*?([\d.]+) µs\s+([\d.]+) µs",
                line,
            )
            if m:
                shell, when, kind = m.group(1), m.group(2), m.group(3)
                hook, loop = float(m.group(4)), float(m.group(5))
                key = f"hook.awsmfa.{shell}.{kind}" if when == "prompt" else f"hook.awsmfa.command.{shell}.{kind}"
                state[key] = max(0.0, hook - loop) / 1e6
                found += 1
    save_state(state)
    print(found)


def cmd_field(path, *keys):
    """field FILE KEY...: a value from a JSON file (seed.py's output)."""
    with open(path) as f:
        value = json.load(f)
    for key in keys:
        value = value[key]
    print(value)


def cmd_free_port():
    """free-port: a loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def cmd_wait(url, seconds):
    """wait URL SECONDS: until GET URL answers (moto's /moto-api/)."""
    deadline = time.monotonic() + float(seconds)
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"tools.py: {url} did not answer within {seconds}s")
            time.sleep(0.1)


def cmd_post(url):
    """post URL: an empty POST (moto's recorder and reset endpoints)."""
    req = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


# --- MFA codes and STS calls, from moto's request recording -----------------


def cmd_codes(recording):
    """codes FILE: "<requests carrying an MFA TokenCode> <STS requests>" in a
    moto recording (MOTO_RECORDER_FILEPATH)."""
    codes = calls = 0
    try:
        f = open(recording)
    except FileNotFoundError:
        print("0 0")
        return
    with f:
        for line in f:
            if not line.strip():
                continue
            entry = json.loads(line)
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                import base64

                body = base64.b64decode(body).decode("utf-8", "replace")
            form = urllib.parse.parse_qs(body) if "=" in body else {}
            form.update(urllib.parse.parse_qs(urllib.parse.urlparse(entry["url"]).query))
            action = (form.get("Action") or [""])[0]
            if action in ("GetSessionToken", "AssumeRole", "GetCallerIdentity"):
                calls += 1
            if form.get("TokenCode"):
                codes += 1
    print(codes, calls)


# --- Two raw STS round trips, the floor under any client --------------------


def sign(method, host, body, key_id, secret, token, region, now):
    """Headers for a SigV4-signed STS query POST (what every SDK sends)."""
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": host,
        "x-amz-date": amz_date,
    }
    if token:
        headers["x-amz-security-token"] = token
    names = sorted(headers)
    canonical = "\n".join(
        [
            method,
            "/",
            "",
            "".join(f"{n}:{headers[n]}\n" for n in names),
            ";".join(names),
            hashlib.sha256(body.encode()).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/sts/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    k = ("AWS4" + secret).encode()
    for part in (day, region, "sts", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


def post(conn, host, form, creds, region):
    body = urllib.parse.urlencode(form)
    now = datetime.datetime.now(datetime.timezone.utc)
    conn.request("POST", "/", body=body, headers=sign("POST", host, body, *creds, region, now))
    resp = conn.getresponse()
    text = resp.read().decode()
    if resp.status != 200:
        sys.exit(f"tools.py: STS answered {resp.status}: {text[:200]}")
    return text


def grab(xml, tag):
    m = re.search(f"<{tag}>([^<]*)</{tag}>", xml)
    if not m:
        sys.exit(f"tools.py: no <{tag}> in STS answer")
    return m.group(1)


def cmd_sts_pair(key, endpoint, key_id, secret, serial, role_arn, runs):
    """sts-pair KEY ENDPOINT KEY_ID SECRET SERIAL ROLE_ARN RUNS: time
    GetSessionToken (with MFA) then AssumeRole (signed with that session),
    on a fresh connection each time, as awsmfa does per process; measured
    inside one Python process so no interpreter start-up is counted. The
    times accumulate under KEY. An https ENDPOINT is trusted through the CA
    file in $BENCH_CAFILE alone (a TLS handshake per run, no store to read)."""
    url = urllib.parse.urlparse(endpoint)
    host = url.netloc
    region = os.environ.get("AWS_REGION", "us-east-1")
    tls = None
    if url.scheme == "https":
        import ssl

        tls = ssl.create_default_context(cafile=os.environ["BENCH_CAFILE"])
    times = []
    for i in range(int(runs) + 2):
        start = time.perf_counter()
        if tls:
            conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=10, context=tls)
        else:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        xml = post(
            conn,
            host,
            {
                "Action": "GetSessionToken",
                "Version": "2011-06-15",
                "DurationSeconds": "43200",
                "SerialNumber": serial,
                "TokenCode": "123456",
            },
            (key_id, secret, None),
            region,
        )
        session = (grab(xml, "AccessKeyId"), grab(xml, "SecretAccessKey"), grab(xml, "SessionToken"))
        post(
            conn,
            host,
            {
                "Action": "AssumeRole",
                "Version": "2011-06-15",
                "RoleArn": role_arn,
                "RoleSessionName": "bench",
                "DurationSeconds": "3600",
            },
            session,
            region,
        )
        conn.close()
        if i >= 2:  # the first ones warm the interpreter and moto up
            times.append(time.perf_counter() - start)
    state = load_state()
    add_times(state, key, times)
    save_state(state)


# --- Config scaling ----------------------------------------------------------


def cmd_profiles(count, config, serial):
    """profiles N FILE SERIAL: an AWS config of exactly N profiles, ending
    with `bench-target`, a two-hop role chain down to the user profile
    `alice` whose last setting is invalid: resolving it walks the whole
    file and chain, then fails with a configuration error before any
    network call."""
    count = int(count)
    if count < 3:
        sys.exit("tools.py: need at least 3 profiles")
    with open(config, "w") as f:
        f.write(f"[profile alice]\nmfa_serial = {serial}\nregion = us-east-1\n\n")
        for i in range(count - 3):
            f.write(
                f"[profile p{i:05d}]\n"
                f"role_arn = arn:aws:iam::123456789012:role/p{i:05d}\n"
                "source_profile = alice\n"
                f"mfa_serial = {serial}\n"
                "region = eu-west-1\n\n"
            )
        f.write(
            "[profile bench-mid]\n"
            "role_arn = arn:aws:iam::123456789012:role/mid\n"
            "source_profile = alice\n\n"
            "[profile bench-target]\n"
            "role_arn = arn:aws:iam::123456789012:role/target\n"
            "source_profile = bench-mid\n"
            "duration_seconds = not-a-number\n"
        )


# --- The table ---------------------------------------------------------------


def ms(seconds):
    if seconds is None:
        return "—"
    v = seconds * 1000
    if v >= 100:
        return f"{v:.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


def us(seconds):
    if seconds is None:
        return "—"
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else ms(seconds)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.1f}×"


def signed(seconds):
    return ("+" if seconds >= 0 else "−") + ms(abs(seconds))


def verdict(ok):
    return "**met**" if ok else "**missed**"


PEERS = [
    ("awsmfa", "awsmfa"),
    ("aws-iam-login", "aws-iam-login"),
    ("awsume", "awsume"),
    ("aws-export-credentials", "aws-export-credentials"),
    ("aws-mfa", "aws-mfa"),
    ("aws", "aws CLI"),
]


def cmd_render(out_path):
    """render FILE: the markdown table, to stdout and FILE."""
    s = load_state()
    g = s.get
    lines = []
    add = lines.append
    quick = g("quick") == 1
    add("# awsmfa benchmark results")
    add("")
    add(
        f"Produced by `bash bench/run.sh{' --quick' if quick else ''}` on {g('date')}: "
        f"{g('machine')}; awsmfa {g('awsmfa.version')} ({g('git')}), moto {g('moto.version')}, "
        f"hyperfine {g('hyperfine.version')}. Every figure is a median over repeated runs, all taken "
        "in this one run of the script against one local moto server, so ratios compare like "
        "with like. Absolute numbers move with the machine; ratios and differences much less. "
        f"Runs: {g('runs')}."
    )
    if quick:
        add("")
        add("*Quick mode: few runs and no peer tools; a smoke test, not figures to quote.*")
    add("")

    true_s, version_s = g("true"), g("version")
    add("## Start-up")
    add("")
    add(
        "*CPU* is the mean user+system time of the process, which time spent waiting for a "
        "busy machine's CPUs does not inflate as it does wall time."
    )
    add("")
    add("| command | median | vs `/bin/true` | CPU | target |")
    add("| --- | --- | --- | --- | --- |")
    add(f"| `/bin/true` | {ms(true_s)} | 1.0× | {ms(g('true.cpu'))} | |")
    ok = version_s is not None and true_s and version_s <= 2 * true_s
    add(
        f"| `awsmfa --version` | {ms(version_s)} | {ratio(version_s, true_s)} | "
        f"{ms(g('version.cpu'))} | within 2× of `/bin/true`: {verdict(ok)} |"
    )
    add("")

    add("## Credentials for one role, against moto")
    add("")
    pair = g("sts_pair")
    cold = g("cold.awsmfa")
    add(
        "*Cold*: nothing cached, one MFA code, the tool's whole process from start to exit. "
        "*Hot*: the tool's own cache is warm. *MFA codes for 5 roles*: codes the tool sent to "
        "STS while getting credentials for five roles of one user, one process per role, "
        "counted from moto's request log; *STS calls* likewise."
    )
    add("")
    add("| tool | cold | hot | MFA codes for 5 roles | STS calls for 5 roles | max RSS (cold) | how it was driven |")
    add("| --- | --- | --- | --- | --- | --- | --- |")
    add(
        f"| two raw STS round trips (GetSessionToken + AssumeRole, SigV4-signed by a minimal "
        f"Python `http.client` loop, no process start) | {ms(pair)} | | | | | floor for any client |"
    )
    for key, label in PEERS:
        if g(f"peer.{key}.skipped"):
            continue
        version = g(f"peer.{key}.version", "")
        name = f"{label} {version}".strip()
        err = g(f"peer.{key}.error")
        if err:
            add(f"| {name} | does not work: {err} | | | | | {g(f'peer.{key}.how', '')} |")
            continue
        cold_s = g(f"cold.{key}")
        hot_s = g(f"hot.{key}")
        if hot_s is not None:
            hot_txt = ms(hot_s)
        elif key == "awsmfa":
            hot_txt = "hot: cache not available in this build (see below)"
        else:
            hot_txt = g(f"hot.{key}.note", "—")
        if hot_s is not None and g(f"hot.{key}.note"):
            hot_txt += f" ({g(f'hot.{key}.note')})"
        cold_txt = ms(cold_s)
        if key != "awsmfa" and cold_s and cold:
            cold_txt += f" ({ratio(cold_s, cold)} awsmfa)"
        if key == "awsmfa" and cold_s and pair:
            cold_txt += f" ({signed(cold_s - pair)} over the raw round trips; CPU {ms(g('cold.awsmfa.cpu'))})"
        codes = g(f"codes.{key}", "—")
        calls = g(f"calls.{key}", "—")
        rss = g(f"rss.{key}")
        rss_txt = f"{rss / 1024:.1f} MB" if isinstance(rss, (int, float)) else "—"
        add(f"| {name} | {cold_txt} | {hot_txt} | {codes} | {calls} | {rss_txt} | {g(f'peer.{key}.how', '')} |")
    add("")
    if cold is not None and pair is not None:
        over = cold - pair
        add(
            f"awsmfa's own cost on the cold path: {ms(over)} of wall time on top of the two round "
            f"trips, measured interleaved with them (target: within 10 ms: {verdict(over <= 0.010)}); "
            f"its CPU time (user+system, mean) is {ms(g('cold.awsmfa.cpu'))}, a figure that other "
            "load on the machine distorts less than wall time."
        )
        add("")

    tls_pair = g("sts_pair.tls")
    if tls_pair is not None:
        add("### Cold, over TLS")
        add("")
        add(
            "The same cold run with moto behind a TLS front that has its own CA "
            "(tests/support/tls_proxy.py), interleaved with the same two round trips over TLS. "
            "Real STS is always TLS; moto is plain HTTP, for which awsmfa loads no certificates at all."
        )
        add("")
        add("| what | median | over the raw round trips | CPU |")
        add("| --- | --- | --- | --- |")
        add(f"| two raw STS round trips over TLS (Python `ssl`, trusting the one CA) | {ms(tls_pair)} | | |")
        for key, label in (
            ("bundle", "awsmfa, `AWS_CA_BUNDLE` naming the one CA"),
            ("roots", f"awsmfa, `AWS_CA_BUNDLE` naming {g('tls.roots.certs', '?')} Mozilla roots (Debian's ca-certificates: the size of the set compiled in, which is the default) plus the CA"),
        ):
            t = g(f"cold.tls.{key}")
            if t is None:
                continue
            add(f"| {label} | {ms(t)} | {signed(t - tls_pair)} | {ms(g(f'cold.tls.{key}.cpu'))} |")
        add("")
        add(
            "By default awsmfa trusts Mozilla's roots compiled into the binary, as the AWS CLI trusts "
            "certifi's copy of the same set, and never reads the system's store; the second row costs "
            "what parsing a set of that size costs (a test CA must be added for the handshake to succeed)."
        )
        add("")

    add("### Hot path: cached role credentials")
    add("")
    hot = g("hot.awsmfa")
    if hot is None:
        add(f"hot: cache not available in this build ({g('hot.awsmfa.note', 'not measured')}).")
    else:
        add(
            "`awsmfa env r1` a second time, with the STS endpoint pointed at a closed port (so "
            "any network call would fail), measured alongside `/bin/true` and `--version`. The "
            "cache key is read from a file in `$XDG_RUNTIME_DIR` (`AWSMFA_KEY_STORE=file`, so "
            "the benchmark never touches your keyring); an OS keyring adds its own lookup."
        )
        add("")
        add("| command | median | vs `/bin/true` | vs `awsmfa --version` | CPU | target |")
        add("| --- | --- | --- | --- | --- | --- |")
        h_true, h_version = g("hot.true"), g("hot.version")
        add(f"| `/bin/true` | {ms(h_true)} | 1.0× | | {ms(g('hot.true.cpu'))} | |")
        add(f"| `awsmfa --version` | {ms(h_version)} | {ratio(h_version, h_true)} | | {ms(g('hot.version.cpu'))} | |")
        ok = hot - h_version <= 0.002
        add(
            f"| `awsmfa env r1` (cached) | {ms(hot)} | {ratio(hot, h_true)} | "
            f"{signed(hot - h_version)} | {ms(g('hot.awsmfa.cpu'))} | within 2 ms of `--version`: {verdict(ok)} |"
        )
        add("")
        by_file, by_keyring = g("hot.store.file"), g("hot.store.keyring")
        if by_file is None or by_keyring is None:
            add(f"Key stores: {g('hot.store.note', 'not measured')}.")
        else:
            add(
                "The same cached call with each key store, in one hyperfine call, each started "
                "through `/usr/bin/env` with a cache of its own: the default store (keyutils' "
                "user keyring) against the key file in `$XDG_RUNTIME_DIR`."
            )
            add("")
            add("| key store | median | vs the file store | CPU | target |")
            add("| --- | --- | --- | --- | --- |")
            add(f"| file (`AWSMFA_KEY_STORE=file`) | {ms(by_file)} | 1.0× | {ms(g('hot.store.file.cpu'))} | |")
            ok = by_keyring - by_file <= 0.0005
            add(
                f"| default: the user keyring | {ms(by_keyring)} | {ratio(by_keyring, by_file)}, "
                f"{signed(by_keyring - by_file)} | {ms(g('hot.store.keyring.cpu'))} | "
                f"at most 0.5 ms over the file store: {verdict(ok)} |"
            )
    add("")

    add("## Shell prompt hook, per prompt")
    add("")
    add(
        "Each row is the cost of one prompt when nothing changed, measured as a loop of N "
        "calls inside the shell minus the same empty loop, divided by N."
    )
    add("")
    add("| per prompt | bash | zsh | fish |")
    add("| --- | --- | --- | --- |")
    def row(label, pattern):
        cells = " | ".join(us(g(pattern.format(sh=sh))) for sh in ("bash", "zsh", "fish"))
        add(f"| {label} | {cells} |")

    have_hook = g("hook.awsmfa.bash.idle") is not None
    if have_hook:
        row("awsmfa's hook, no profile here", "hook.awsmfa.{sh}.idle")
        row("awsmfa's hook, profile active, deadline ahead", "hook.awsmfa.{sh}.active")
        row("before each command, no profile here", "hook.awsmfa.command.{sh}.idle")
        row("before each command, profile active, deadline ahead", "hook.awsmfa.command.{sh}.active")
    row("one fork+exec of `/bin/true`", "hook.true.{sh}")
    row("direnv's hook (`direnv export SHELL`, no .envrc)", "hook.direnv.{sh}")
    if g("hook.script") == "absent":
        add("| awsmfa's hook | not available: bench/hook.sh is not in this build | | |")
    add("")
    if have_hook:
        checks = []
        for sh in ("bash", "zsh", "fish"):
            for key in ("hook.awsmfa", "hook.awsmfa.command"):
                for kind in ("idle", "active"):
                    h = g(f"{key}.{sh}.{kind}")
                    if h is not None:
                        checks.append(h <= 20e-6)
        if checks:
            add(
                "Target (bash, zsh and fish, at a prompt and before a command, with no profile "
                "and with one active): under 20 µs each, no process started (tests/daily.rs "
                f"counts them with strace): {verdict(all(checks))}."
            )
            add("")
    hook_md = g("hook.output")
    if hook_md:
        add("### bench/hook.sh (the hook's own benchmark, same run)")
        add("")
        add(
            "Per-prompt figures there include the loop's own cost, shown apart; the table above "
            "subtracts it. *active* = a profile exported and its refresh deadline not reached "
            "(fish has no clock builtin: it reads /proc/uptime with the builtin `read`)."
        )
        add("")
        add(f"```\n{hook_md.rstrip()}\n```" if g("hook.ok") == 1 else hook_md.rstrip())
        add("")

    add("## Configuration size")
    add("")
    add(
        "`awsmfa env bench-target` in a config of N profiles, where `bench-target` is the "
        "last profile, a two-hop role chain whose final setting is invalid: the whole file is "
        "parsed and the chain resolved, then it exits with a configuration error before any "
        "network call. *Resolution* subtracts `awsmfa --version` (process start)."
    )
    add("")
    add("| profiles | config size | median | resolution | CPU | target |")
    add("| --- | --- | --- | --- | --- | --- |")
    for n in (10, 1000, 10000):
        t = g(f"scale.{n}")
        if t is None:
            continue
        size = g(f"scale.{n}.bytes", 0)
        target = ""
        if n == 10000:
            target = f"under 10 ms: {verdict(t <= 0.010)}"
        base = g(f"scale.{n}.version")
        add(f"| {n:,} | {size / 1024:.0f} KiB | {ms(t)} | {signed(t - base)} | {ms(g(f'scale.{n}.cpu'))} | {target} |")
    add("")

    add("## Size and memory")
    add("")
    add("| what | value |")
    add("| --- | --- |")
    size = g("binary.bytes")
    if size:
        add(f"| release binary ({g('binary.kind')}) | {size / 1e6:.2f} MB ({size:,} bytes) |")
    for key, label in (
        ("rss.version", "max RSS, `awsmfa --version`"),
        ("rss.awsmfa", "max RSS, `awsmfa env r1` cold"),
        ("rss.hot", "max RSS, `awsmfa env r1` hot"),
    ):
        v = g(key)
        if isinstance(v, (int, float)):
            add(f"| {label} | {v / 1024:.1f} MB |")
        elif key == "rss.hot":
            add(f"| {label} | not available: no cache in this build |")
    add("")

    notes = sorted(k for k in s if k.startswith("note."))
    if notes:
        add("## Notes")
        add("")
        for k in notes:
            add(f"- {s[k]}")
        add("")

    text = "\n".join(lines)
    with open(out_path, "w") as f:
        f.write(text)
    print(text)


COMMANDS = {
    "put": cmd_put,
    "put-hyperfine": cmd_put_hyperfine,
    "get": cmd_get,
    "per-call": cmd_per_call,
    "hook-parse": cmd_hook_parse,
    "field": cmd_field,
    "free-port": cmd_free_port,
    "wait": cmd_wait,
    "post": cmd_post,
    "codes": cmd_codes,
    "sts-pair": cmd_sts_pair,
    "profiles": cmd_profiles,
    "render": cmd_render,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: tools.py {{{'|'.join(COMMANDS)}}} ARGS...")
    COMMANDS[sys.argv[1]](*sys.argv[2:])
