# A DNS server on 127.0.0.1 for test-deploy.sh, so `meshctl gen`, `sync` and the proxy resolve
# names without a network and a test can move a name while they run.
#
#   python3 dns.py ZONE PORTFILE
#
# Answers A and AAAA for the names in the JSON file ZONE ({"names": {"name": [ips]}, "ttl": N}),
# which it re-reads on every query, and NXDOMAIN for any other name. It binds a free UDP port and
# writes the number to PORTFILE (through a rename, so a reader never sees half of it). It serves
# until killed.
import json, os, socket, struct, sys
zone_path, port_file = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
with open(port_file + ".tmp", "w") as f:
    f.write(str(sock.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    data, peer = sock.recvfrom(4096)
    try:
        qid, flags, qdcount = struct.unpack(">HHH", data[:6])
        i, labels = 12, []
        while data[i]:
            labels.append(data[i + 1:i + 1 + data[i]].decode("ascii"))
            i += 1 + data[i]
        qtype, _ = struct.unpack(">HH", data[i + 1:i + 5])
        question = data[12:i + 5]
    except (IndexError, struct.error, UnicodeDecodeError):
        continue
    with open(zone_path) as f:
        zone = json.load(f)
    name = ".".join(labels).lower()
    answers = []
    for ip in zone.get("names", {}).get(name, []):
        family, rtype = (socket.AF_INET6, 28) if ":" in ip else (socket.AF_INET, 1)
        if rtype == qtype:
            rdata = socket.inet_pton(family, ip)
            answers.append(b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, zone.get("ttl", 1), len(rdata)) + rdata)
    rcode = 0 if name in zone.get("names", {}) else 3
    header = struct.pack(">HHHHHH", qid, 0x8000 | 0x0400 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
    sock.sendto(header + question + b"".join(answers), peer)
