#!/usr/bin/env bash
# One-time setup for deploy/docker-compose.yml:
#  * a private CA, node certificates for os01..os03 (TLS on transport and HTTP) and the
#    admin client certificate (for securityadmin.sh), in deploy/opensearch/certs/;
#  * random passwords in deploy/.env and their bcrypt hashes in security/internal_users.yml.
# Needs openssl; for the hashes python3 with the bcrypt module, or docker (the OpenSearch
# image's hash tool). Idempotent: existing certificates and .env are kept.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
certs="$here/certs"
envfile="$here/../.env"
image="opensearchproject/opensearch:2.19.1"
subject="/C=VN/O=unioncat/OU=unioncat"
mkdir -p "$certs"
cd "$certs"

if [[ ! -f root-ca.pem ]]; then
    openssl genrsa -out root-ca-key.pem 3072 2>/dev/null
    openssl req -new -x509 -sha256 -days 3650 -key root-ca-key.pem -out root-ca.pem \
        -subj "$subject/CN=unioncat-root-ca"
fi

issue() {  # name, extra SAN list
    local name="$1" san="$2"
    [[ -f "$name.pem" ]] && return 0
    openssl genrsa -out "$name-key-rsa.pem" 2048 2>/dev/null
    openssl pkcs8 -inform PEM -outform PEM -in "$name-key-rsa.pem" -topk8 -nocrypt \
        -v1 PBE-SHA1-3DES -out "$name-key.pem"
    rm -f "$name-key-rsa.pem"
    openssl req -new -key "$name-key.pem" -subj "$subject/CN=$name" -out "$name.csr"
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA root-ca.pem -CAkey root-ca-key.pem \
        -CAcreateserial -sha256 -days 825 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
}
for node in os01 os02 os03; do
    issue "$node" "DNS:$node,DNS:localhost,IP:127.0.0.1"
done
issue admin "DNS:admin"
chmod 600 ./*-key.pem
chmod 644 ./*.pem 2>/dev/null || true
chmod 600 ./*-key.pem root-ca-key.pem

if [[ ! -f "$envfile" ]]; then
    gen() { openssl rand -base64 24 | tr -d '/+=' | cut -c1-20; }
    # the security plugin wants upper, lower, digit and special characters
    printf 'OPENSEARCH_INITIAL_ADMIN_PASSWORD=%s\nUNIONCAT_OPENSEARCH_PASSWORD=%s\n' \
        "Aa1!$(gen)" "Aa1!$(gen)" >"$envfile"
    chmod 600 "$envfile"
fi
# shellcheck disable=SC1090
source "$envfile"

bcrypt_hash() {
    if python3 -c 'import bcrypt' 2>/dev/null; then
        python3 -c 'import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(12)).decode())' "$1"
    elif command -v docker >/dev/null; then
        docker run --rm "$image" plugins/opensearch-security/tools/hash.sh -p "$1" | tail -n 1
    else
        echo "need python3-bcrypt or docker to hash passwords" >&2; exit 1
    fi
}
admin_hash=$(bcrypt_hash "$OPENSEARCH_INITIAL_ADMIN_PASSWORD")
app_hash=$(bcrypt_hash "$UNIONCAT_OPENSEARCH_PASSWORD")
sed -e "s|@ADMIN_HASH@|$admin_hash|" -e "s|@APP_HASH@|$app_hash|" \
    "$here/security/internal_users.yml.template" >"$here/security/internal_users.yml"
echo "certificates in $certs, passwords in $envfile, users in security/internal_users.yml" >&2
