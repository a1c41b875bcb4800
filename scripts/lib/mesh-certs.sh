# A throwaway mesh CA and workload certificates as Istio mounts them (root-cert.pem,
# cert-chain.pem, key.pem: what `meshctl export envoy --certs DIR` reads), for the suites that run
# ISTIO_MUTUAL between real Envoys. Needs openssl. The CA's key stays in the caller's scratch
# directory and lives one day.

# mesh_ca DIR: a CA in DIR (ca.key, root-cert.pem).
mesh_ca() {
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/O=meshctl test mesh CA" -keyout "$1/ca.key" -out "$1/root-cert.pem" \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
    >/dev/null 2>&1
}

# mesh_identity CA_DIR DIR SPIFFE_ID: DIR/{root-cert.pem,cert-chain.pem,key.pem}, a leaf of the
# CA whose URI SAN is SPIFFE_ID (spiffe://cluster.local/ns/NS/sa/SA), readable by the proxies'
# uid.
mesh_identity() {
  local ca=$1 dir=$2
  mkdir -p "$dir"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /O=meshctl \
    -keyout "$dir/key.pem" -out "$dir/leaf.csr" >/dev/null 2>&1
  printf 'subjectAltName=URI:%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' \
    "$3" >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/leaf.csr" -CA "$ca/root-cert.pem" -CAkey "$ca/ca.key" \
    -CAcreateserial -days 1 -extfile "$dir/ext.cnf" -out "$dir/cert-chain.pem" >/dev/null 2>&1
  cp "$ca/root-cert.pem" "$dir/root-cert.pem"
  chmod -R a+rX "$dir"
}
