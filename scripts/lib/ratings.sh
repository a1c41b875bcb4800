# The blog scenario's network and database, shared by system-tests.sh, system-image.sh and
# system-sync.sh (which links its own namespaces: it needs other addresses):
# $POD and $EXT joined by one veth pair (no route anywhere else), MariaDB in $EXT with
# test.ratings and a SELECT-only user, and the client-side probes run from $POD.
# Source after scripts/lib/suite.sh; set POD, EXT and the scratch directory T before calling the
# functions. The scenario's addresses below are documentation ranges; a suite that needs others
# assigns its own after sourcing.

POD_IP=203.0.113.2
DB_IP=203.0.113.7
OTHER_IP=203.0.113.9
POD_IP6=2001:db8::2
DB_IP6=2001:db8::7
OTHER_IP6=2001:db8::9
DB_PASSWORD=bookinfo-pw
EXPECTED_ROWS=$'1\t5\n2\t4'

# link_namespaces: the veth pair between $POD and $EXT, with the pod's address and the external
# host's two addresses of each family. Interface names live inside the namespaces only.
link_namespaces() {
  ip link add msh-pod0 netns "$POD" type veth peer name msh-ext0 netns "$EXT"
  ip -n "$POD" addr add "$POD_IP/24" dev msh-pod0
  ip -n "$EXT" addr add "$DB_IP/24" dev msh-ext0
  ip -n "$EXT" addr add "$OTHER_IP/24" dev msh-ext0
  ip -n "$POD" addr add "$POD_IP6/64" dev msh-pod0 nodad
  ip -n "$EXT" addr add "$DB_IP6/64" dev msh-ext0 nodad
  ip -n "$EXT" addr add "$OTHER_IP6/64" dev msh-ext0 nodad
  ip -n "$POD" link set msh-pod0 up
  ip -n "$EXT" link set msh-ext0 up
}

# start_ratings_db: MariaDB in $EXT on every address, port 3306, data under $T/db; sets DB_PID
# and DB_SOCK. Exits 1 (with the server's log) when it does not come up.
start_ratings_db() {
  mkdir -p "$T/db"
  mariadb-install-db --no-defaults --user=root --datadir="$T/db/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$T/mariadb-install.log" 2>&1 \
    || { cat "$T/mariadb-install.log"; exit 1; }
  DB_SOCK=$T/db/mysqld.sock
  ip netns exec "$EXT" mariadbd --no-defaults --user=root --datadir="$T/db/data" \
    --socket="$DB_SOCK" --pid-file="$T/db/mysqld.pid" --log-error="$T/db/error.log" \
    --bind-address="*" --port=3306 --skip-name-resolve --skip-log-bin \
    --innodb-buffer-pool-size=16M --innodb-log-file-size=8M --max-connections=50 \
    >"$T/db/stdout.log" 2>&1 &
  DB_PID=$!
  if ! wait_for 60 db_root -e 'select 1'; then
    echo "MariaDB did not start:"; tail -n 40 "$T/db/error.log"; exit 1
  fi
  db_root <<SQL
CREATE DATABASE IF NOT EXISTS test;
CREATE TABLE test.ratings (ReviewID INT NOT NULL, Rating INT, PRIMARY KEY (ReviewID));
INSERT INTO test.ratings (ReviewID, Rating) VALUES (1, 5), (2, 4);
CREATE USER 'bookinfo'@'%' IDENTIFIED BY '$DB_PASSWORD';
GRANT SELECT ON test.ratings TO 'bookinfo'@'%';
SQL
}

# db_root ARGS...: the mariadb client as the server's root, over its socket.
db_root() { mariadb --no-defaults -S "$DB_SOCK" -u root "$@"; }

# query IP: the blog's query as the bookinfo user, from the pod, printing the rows tab-separated.
query() {
  in_pod timeout 15 mariadb --no-defaults --skip-ssl --connect-timeout=5 -h "$1" -P 3306 \
    -u bookinfo -p"$DB_PASSWORD" -N -B -e 'select * from test.ratings order by ReviewID' 2>&1
}
query_ok() { [ "$(query "$1")" = "$EXPECTED_ROWS" ]; }

# greeting_bytes IP: bytes received within 3 s on a raw connection from the pod (MariaDB speaks
# first, so a direct or proxied-and-allowed connection gets its greeting; a denied one gets EOF).
greeting_bytes() {
  in_pod timeout 5 bash -c "exec 3<>/dev/tcp/$1/3306 && timeout 3 head -c 64 <&3 | wc -c" 2>/dev/null || echo 0
}
