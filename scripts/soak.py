#!/usr/bin/env python3
"""Soak and fault suite for `meshctl proxy` (loopback only, bounded to a few minutes).

One proxy in forward mode, several upstreams on 127.0.0.x, and:
  * a wave of 10,000 concurrent connections (default), each sending random bytes in chunks over
    several seconds, half-closing, and checking end to end with SHA-256: the upstream echoes what it
    receives and then sends the SHA-256 of everything it received, so loss in either direction shows;
  * reloads every 100 ms during the wave into a directory laid out as a ConfigMap volume,
    rotating three methods: in-place write, write + rename over, and the atomic `..data`
    directory swap. Every write is a real change (the always-allowed entry carries a version);
    every 2 s the configuration toggles between allowing and denying a second upstream ("B");
  * faults mixed in: an upstream that refuses (closed port), one that black-holes (full backlog),
    one that resets after the first bytes;
  * SIGTERM while slow connections are in flight: they must finish intact, new ones be refused,
    and the proxy exit 0.

Prints one line of counts and exits non-zero when a must-be-zero count is not zero:
  connections, bytes lost, allowed connections reset, denied connections admitted after the
  reload that denies them took effect, reload latency p99 (write → generation in memory).

Root is not required. The suite raises its open-files limits as far as allowed; a proxy holds two
descriptors per connection, so where the hard limit cannot reach 20,000+ (no CAP_SYS_RESOURCE) the
connections are spread over as many proxy processes as needed, all reloading the same files, and
the line says how many. Traffic stays on 127.0.0.0/8.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HOSTS = {"a": "127.0.0.2", "b": "127.0.0.3", "refuse": "127.0.0.4", "hole": "127.0.0.5", "reset": "127.0.0.6"}
UPSTREAM_PORT = 3306


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(want, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def entry(name, host, port):
    return (
        "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
        f"metadata: {{name: {name}, namespace: default}}\n"
        f"spec: {{hosts: [{name}.example.com], addresses: ['{host}/32'], "
        f"ports: [{{number: {port}, name: tcp, protocol: TCP}}], location: MESH_EXTERNAL, resolution: NONE}}\n"
    )


def config(version, allow_b):
    text = entry(f"a-v{version}", HOSTS["a"], UPSTREAM_PORT)
    if allow_b:
        text += entry("b", HOSTS["b"], UPSTREAM_PORT)
    for fault in ("refuse", "hole", "reset"):
        text += entry(fault, HOSTS[fault], UPSTREAM_PORT)
    return text


class Writer:
    """Writes configuration versions into `root/conf`, laid out as a Kubernetes ConfigMap volume
    (`entry.yaml -> ..data/entry.yaml`, `..data -> ..<stamp>/`), by three methods in turn:
    in place (through the visible name), write + rename over the visible name, and the kubelet's
    atomic `..data` swap (which also puts the visible link back)."""

    def __init__(self, root):
        self.n = 0
        self.link = os.path.join(root, "conf")
        os.mkdir(self.link)
        self.key = os.path.join(self.link, "entry.yaml")
        self.method_counts = {"in-place": 0, "rename": 0, "dir-swap": 0}
        self._swap(config(0, True))

    def _swap(self, text):
        self.n += 1
        stamp = f"..2026_01_01_00_00_00.{self.n}"
        os.mkdir(os.path.join(self.link, stamp))
        with open(os.path.join(self.link, stamp, "entry.yaml"), "w") as f:
            f.write(text)
        data = os.path.join(self.link, "..data")
        old = os.readlink(data) if os.path.islink(data) else None
        tmp = os.path.join(self.link, "..data_tmp")
        os.symlink(stamp, tmp)
        os.replace(tmp, data)
        if not os.path.islink(self.key):
            tmp = os.path.join(self.link, "..entry_tmp")
            os.symlink("..data/entry.yaml", tmp)
            os.replace(tmp, self.key)
        if old:
            shutil.rmtree(os.path.join(self.link, old), ignore_errors=True)

    def write(self, version, allow_b):
        text = config(version, allow_b)
        method = ("in-place", "rename", "dir-swap")[version % 3]
        self.method_counts[method] += 1
        if method == "in-place":
            with open(self.key, "w") as f:
                f.write(text)
        elif method == "rename":
            tmp = os.path.join(self.link, ".entry.yaml.tmp")
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, self.key)
        else:
            self._swap(text)


# ------------------------------------------------------------------------------------------
# Upstreams (run in a child process so client and upstream do not share one event loop)
# ------------------------------------------------------------------------------------------

async def echo_digest(reader, writer):
    digest = hashlib.sha256()
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            digest.update(data)
            writer.write(data)
            await writer.drain()
        writer.write(digest.digest())
        await writer.drain()
        writer.write_eof()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def resetter(reader, writer):
    try:
        await reader.read(1)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except (ConnectionError, OSError):
        pass
    writer.close()


def upstreams_main():
    raise_nofile(65536)

    async def run():
        servers = []
        for key in ("a", "b"):
            servers.append(await asyncio.start_server(echo_digest, HOSTS[key], UPSTREAM_PORT, backlog=8192))
        servers.append(await asyncio.start_server(resetter, HOSTS["reset"], UPSTREAM_PORT, backlog=1024))
        # Black hole: a listener that never accepts, its backlog filled, so SYNs are dropped.
        hole = socket.socket()
        hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hole.bind((HOSTS["hole"], UPSTREAM_PORT))
        hole.listen(0)
        fillers = []
        for _ in range(8):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect((HOSTS["hole"], UPSTREAM_PORT))
            except BlockingIOError:
                pass
            fillers.append(s)
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


# ------------------------------------------------------------------------------------------
# Client
# ------------------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.connections = 0
        self.bytes_lost = 0
        self.allowed_reset = 0
        self.denied_admitted = 0
        self.b_ok = 0
        self.b_denied = 0
        self.b_revoked = 0
        self.faults = {"refuse": 0, "hole": 0, "reset": 0}
        self.fault_leaks = 0
        self.open = 0
        self.max_open = 0
        self.errors = {}

    def note(self, kind):
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Barrier:
    """Holds every long-lived connection after its first chunk until all of them are open, so
    the wave really has all its connections open at once (or gives up after `timeout`)."""

    def __init__(self, target, timeout):
        self.target = target
        self.timeout = timeout
        self.arrived = 0
        self.event = asyncio.Event()
        self.timed_out = False

    async def wait(self):
        self.arrived += 1
        if self.arrived >= self.target:
            self.event.set()
        try:
            await asyncio.wait_for(self.event.wait(), self.timeout)
        except asyncio.TimeoutError:
            self.timed_out = True


async def one_connection(port, payload, chunks, pause, barrier=None):
    """Sends payload in chunks, half-closes, reads everything. Returns (echo, error)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    received = bytearray()

    async def read_all():
        while True:
            data = await reader.read(65536)
            if not data:
                return
            received.extend(data)

    reading = asyncio.create_task(read_all())
    error = None
    try:
        step = max(1, len(payload) // chunks)
        for i in range(0, len(payload), step):
            writer.write(payload[i:i + step])
            await writer.drain()
            if barrier is not None and i == 0:
                await barrier.wait()
            await asyncio.sleep(pause)
        writer.write_eof()
        await asyncio.wait_for(reading, 60)
    except (ConnectionError, OSError, asyncio.TimeoutError) as e:
        error = type(e).__name__
        reading.cancel()
    finally:
        writer.close()
    return bytes(received), error


class Timeline:
    """Generations observed through /config_dump: (time, version, b_allowed)."""

    def __init__(self, admin):
        self.admin = admin
        self.observed = []  # (t, version, allow_b)

    def poll_once(self):
        with urllib.request.urlopen(f"http://{self.admin}/config_dump", timeout=2) as r:
            dump = json.load(r)
        version, allow_b = -1, False
        for listener in dump["listeners"]:
            for chain in listener["chains"]:
                name = chain["service_entry"].split("/")[-1]
                if name.startswith("a-v"):
                    version = int(name[3:])
                if name == "b":
                    allow_b = True
        return version, allow_b

    def poll_until(self, stop):
        """Polls every 20 ms in its own thread, so a busy event loop does not delay the clock."""
        while not stop.is_set():
            try:
                version, allow_b = self.poll_once()
                seen = time.monotonic()
                if not self.observed or self.observed[-1][1] != version:
                    # Stamped when the answer arrived: an upper bound on when it took effect.
                    self.observed.append((seen, version, allow_b))
            except Exception:  # noqa: BLE001 - the admin may be busy; try again
                pass
            time.sleep(0.02)

    async def run(self, stop):
        flag = threading.Event()
        thread = threading.Thread(target=self.poll_until, args=(flag,), daemon=True)
        thread.start()
        await stop.wait()
        flag.set()
        thread.join()

    def effective_from(self, version):
        """When a generation with at least `version` was first seen."""
        for t, v, _ in self.observed:
            if v >= version:
                return t
        return None


def record_b(stats, payload, echo, started, deny_windows):
    """A connection to B: allowed, denied or revoked depending on the generation; never
    corrupted, and never admitted when it started while a denying generation was in force."""
    want = payload + hashlib.sha256(payload).digest()
    denied_window = any(lo <= started < hi for lo, hi in deny_windows())
    if echo == want:
        stats.b_ok += 1
        if denied_window:
            stats.denied_admitted += 1
    elif not echo:
        stats.b_denied += 1
    elif want.startswith(echo):
        stats.b_revoked += 1  # reset by a reload that denied it mid-stream: expected
        if denied_window:
            stats.denied_admitted += 1
    else:
        stats.bytes_lost += len(want)


async def wave(args, proxies, stats, barrier):
    """`args.connections` long-lived checked connections to A, started over `args.spread`
    seconds and held open until all of them are (then `args.lifetime` seconds of sending);
    one fault connection (refusing, black-holing, resetting upstream) per fifty on the side."""
    rng = random.Random(7)

    async def checked(i):
        await asyncio.sleep(args.spread * i / args.connections)
        payload = rng.randbytes(rng.randint(args.chunks, args.max_bytes))
        ports = proxies[i % len(proxies)].ports
        stats.open += 1
        stats.max_open = max(stats.max_open, stats.open)
        try:
            echo, error = await one_connection(
                ports["a"], payload, args.chunks, args.lifetime / args.chunks, barrier)
        except (ConnectionError, OSError) as e:
            echo, error = b"", type(e).__name__
            barrier.target -= 1  # never arrives: do not wait for it
        finally:
            stats.open -= 1
        stats.connections += 1
        if error:
            stats.note(error)
        want = payload + hashlib.sha256(payload).digest()
        if echo != want:
            if error or len(echo) < len(want):
                stats.allowed_reset += 1
            stats.bytes_lost += abs(len(want) - len(echo)) or len(want)

    async def fault(i):
        await asyncio.sleep(args.spread * i * 50 / args.connections)
        kind = ("refuse", "hole", "reset")[i % 3]
        payload = rng.randbytes(rng.randint(1, 4096))
        ports = proxies[i % len(proxies)].ports
        try:
            echo, _ = await one_connection(ports[kind], payload, 1, 0)
        except (ConnectionError, OSError):
            echo = b""
        stats.connections += 1
        stats.faults[kind] += 1
        if echo:
            stats.fault_leaks += 1  # nothing may come back from a failed upstream

    await asyncio.gather(
        *(checked(i) for i in range(args.connections)),
        *(fault(i) for i in range(args.connections // 50)),
    )


async def probes(proxies, stats, stop, writes):
    """A short connection to B every 50 ms while the wave runs, through each proxy in turn."""
    rng = random.Random(9)
    pending = []
    n = 0
    while not stop.is_set():
        payload = rng.randbytes(rng.randint(1, 4096))
        proxy = proxies[n % len(proxies)]
        n += 1
        started = time.monotonic()

        async def probe(payload=payload, started=started, proxy=proxy):
            try:
                echo, _ = await one_connection(proxy.ports["b"], payload, 1, 0)
            except (ConnectionError, OSError):
                echo = b""
            stats.connections += 1
            record_b(stats, payload, echo, started, lambda: proxy.deny_windows(writes))

        pending.append(asyncio.create_task(probe()))
        await asyncio.sleep(0.05)
    await asyncio.gather(*pending)


async def reloads(writer, stop, writes, epoch_writes):
    """A write every 100 ms; B toggles every `epoch_writes` writes. Records (t, version, allow_b)."""
    version = 0
    while not stop.is_set():
        version += 1
        allow_b = (version // epoch_writes) % 2 == 0
        t = time.monotonic()
        writer.write(version, allow_b)
        writes.append((t, version, allow_b))
        await asyncio.sleep(0.1)


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def drain_phase(args, proxies):
    """SIGTERM with slow connections in flight: all must finish intact; new ones refused."""
    rng = random.Random(11)
    n = args.drain_connections
    payloads = [rng.randbytes(rng.randint(1, 16384)) for _ in range(n)]
    tasks = [
        asyncio.create_task(one_connection(proxies[i % len(proxies)].ports["a"], p, 4, 0.5))
        for i, p in enumerate(payloads)
    ]
    await asyncio.sleep(0.7)
    for proxy in proxies:
        proxy.proc.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.3)
    refused = True
    for proxy in proxies:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", proxy.ports["a"]), 2)
            w.close()
            refused = False
        except (ConnectionError, OSError, asyncio.TimeoutError):
            pass
    results = await asyncio.gather(*tasks)
    intact = sum(1 for (echo, _), p in zip(results, payloads) if echo == p + hashlib.sha256(p).digest())
    loop = asyncio.get_running_loop()
    codes = [await loop.run_in_executor(None, lambda p=p: p.proc.wait(timeout=30)) for p in proxies]
    return intact, n, refused, max(codes, key=abs)


class Proxy:
    """One `meshctl proxy` process: its forward ports, admin address and generation timeline."""

    def __init__(self, args, writer, tmp, index):
        self.ports = {key: free_port() for key in HOSTS}
        self.admin = f"127.0.0.1:{free_port()}"
        cmd = [args.meshctl, "proxy", "-q", "-f", writer.link, "--admin", self.admin,
               "--connect-timeout", "1s", "--drain-timeout", "15s", "--max-connections", "20000"]
        for key, port in self.ports.items():
            cmd += ["--forward", f"127.0.0.1:{port}={HOSTS[key]}:{UPSTREAM_PORT}"]
        self.log_path = os.path.join(tmp, f"proxy{index}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stderr=self.log, stdout=self.log)
        self.timeline = Timeline(self.admin)

    async def ready(self):
        deadline = time.monotonic() + 20
        while True:
            try:
                self.timeline.poll_once()
                return True
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    return False
                await asyncio.sleep(0.1)

    def deny_windows(self, writes):
        """[effect of the first denying write of an epoch, the next allowing write - margin)."""
        windows = []
        for i, (t, version, allow_b) in enumerate(writes):
            if allow_b or (i > 0 and not writes[i - 1][2]):
                continue
            effect = self.timeline.effective_from(version)
            end = next((tw for tw, _, a in writes[i + 1:] if a), float("inf"))
            # A connection started just before the next allowing write may be accepted after
            # the reload that allows it: leave a margin before the window's end.
            end -= 0.5
            if effect is not None and effect < end:
                windows.append((effect, end))
        return windows

    def tail(self):
        return "".join(open(self.log_path).readlines()[-40:])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main_async(args):
    tmp = tempfile.mkdtemp(prefix="meshctl-soak-")
    soft, _ = raise_nofile(65536)
    # Each proxied connection holds two descriptors in the proxy. Where the hard limit cannot
    # be raised (no CAP_SYS_RESOURCE, as on this project's machines: 20,000), the connections
    # are spread over as many proxy processes as it takes; the line says how many.
    per_proxy = max(1, (soft - 256) // 2)
    count = args.proxies or -(-args.connections // per_proxy)
    if soft < args.connections + 1024:
        print(f"soak: open files limit {soft} is too low for {args.connections} client connections",
              file=sys.stderr)
        return 2
    upstream = subprocess.Popen([sys.executable, __file__, "--upstreams"], stdout=subprocess.PIPE, text=True)
    proxies = []
    try:
        if upstream.stdout.readline().strip() != "ready":
            print("soak: upstreams did not start", file=sys.stderr)
            return 2
        writer = Writer(tmp)
        proxies = [Proxy(args, writer, tmp, i) for i in range(count)]
        for proxy in proxies:
            if not await proxy.ready():
                print("soak: proxy did not start; log:\n" + proxy.tail(), file=sys.stderr)
                return 2

        stats = Stats()
        writes = []
        stop = asyncio.Event()
        pollers = [asyncio.create_task(p.timeline.run(stop)) for p in proxies]
        writer_task = asyncio.create_task(reloads(writer, stop, writes, 20))
        wave_done = asyncio.Event()
        prober = asyncio.create_task(probes(proxies, stats, wave_done, writes))
        began = time.monotonic()
        barrier = Barrier(args.connections, args.spread + 60)
        await wave(args, proxies, stats, barrier)
        wave_done.set()
        await prober
        stop.set()
        await asyncio.gather(*pollers, writer_task)
        wave_secs = time.monotonic() - began

        # Latency per write and proxy: the write's time to the first generation seen with that
        # version or a later one. The last writes may not have been reloaded before the wave
        # ended: those are not counted.
        latencies = []
        for proxy in proxies:
            for t, version, _ in writes:
                seen = proxy.timeline.effective_from(version)
                if seen is not None:
                    latencies.append(seen - t)

        intact, drained, refused, code = await drain_phase(args, proxies)
        drain_ok = intact == drained and refused and code == 0

        generations = sum(len(p.timeline.observed) for p in proxies)
        p99 = percentile(latencies, 99) * 1000
        line = (
            f"soak: connections={stats.connections} concurrent={stats.max_open} "
            f"(all open at once: {not barrier.timed_out}) proxies={count} "
            f"bytes_lost={stats.bytes_lost} allowed_reset={stats.allowed_reset} "
            f"denied_admitted={stats.denied_admitted} reload_p99_ms={p99:.0f} "
            f"writes={len(writes)} (in-place {writer.method_counts['in-place']}, rename {writer.method_counts['rename']}, "
            f"dir-swap {writer.method_counts['dir-swap']}) generations_seen={generations} "
            f"b_allowed={stats.b_ok} b_denied={stats.b_denied} b_revoked={stats.b_revoked} "
            f"faults(refuse/hole/reset)={stats.faults['refuse']}/{stats.faults['hole']}/{stats.faults['reset']} "
            f"fault_leaks={stats.fault_leaks} drain={intact}/{drained} refused_after_sigterm={refused} "
            f"exit={code} wave_s={wave_secs:.0f}"
        )
        print(line, flush=True)
        if stats.errors:
            print(f"soak: client errors by kind: {stats.errors}")
        failed = (stats.bytes_lost or stats.allowed_reset or stats.denied_admitted or stats.fault_leaks
                  or not drain_ok or not p99 <= args.max_p99_ms or stats.b_denied == 0 or stats.b_ok == 0
                  or barrier.timed_out or stats.max_open < args.connections)
        if failed:
            print("soak: FAILED; proxy log tail:", file=sys.stderr)
            print(proxies[0].tail(), file=sys.stderr)
            return 1
        return 0
    finally:
        for proxy in proxies:
            if proxy.proc.poll() is None:
                proxy.proc.kill()
        upstream.kill()
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meshctl", default=os.environ.get("MESHCTL", "target/release/meshctl"))
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--max-bytes", type=int, default=16_384, help="largest payload per connection")
    parser.add_argument("--lifetime", type=float, default=6.0,
                        help="seconds each connection spends sending once all are open")
    parser.add_argument("--chunks", type=int, default=6, help="writes per connection")
    parser.add_argument("--spread", type=float, default=8.0, help="seconds over which connections start")
    parser.add_argument("--drain-connections", type=int, default=200)
    parser.add_argument("--proxies", type=int, default=0,
                        help="proxy processes (default: as few as the open-files limit allows)")
    parser.add_argument("--max-p99-ms", type=float, default=2000.0, help="the README's reload promise")
    parser.add_argument("--upstreams", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.upstreams:
        upstreams_main()
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
