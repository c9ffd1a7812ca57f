#!/bin/sh
# Writes a throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate
# (all EC P-256, valid one day) into the directory given as $1, for the external scaler TLS tests.
set -eu
dir=$1
cd "$dir"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.crt -days 1 -subj /CN=tidal-test-ca 2>/dev/null
openssl req $ec -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
  -days 1 -extfile server.ext 2>/dev/null
openssl req $ec -keyout client.key -out client.csr -subj /CN=tidal-test-client 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt \
  -days 1 -extfile client.ext 2>/dev/null
# A second CA that signed nothing here: trusting it must fail verification.
openssl req -x509 $ec -keyout other-ca.key -out other-ca.crt -days 1 -subj /CN=other-ca 2>/dev/null
